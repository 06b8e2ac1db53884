#!/usr/bin/env bash
# Regenerates the README's screenshots of the web app (docs/screenshots/*.png) in headless
# Chromium: needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo test --test api web_screenshots -- --ignored --exact web_screenshots::web_screenshots
ls -l docs/screenshots/
