#!/usr/bin/env bash
# Regenerates the README's screenshots of the web app (docs/screenshots/*.png) in headless
# Chromium: needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver).
# The screens of every feature, at 1280×800 and 375×812, go to target/screenshots/ to look at.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo test --test api web_screenshots -- --ignored --exact web_screenshots::web_screenshots
cargo test --test api web_screens_screenshots -- --ignored --exact web_screens_shots::web_screens_screenshots
ls -l docs/screenshots/ target/screenshots/
