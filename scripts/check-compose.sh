#!/usr/bin/env bash
# Validate docker-compose.yml without a Docker engine: `docker-compose config` only
# parses, interpolates and schema-checks the file. Installs docker-compose (apt) if no
# compose implementation is available.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
FILE="$PWD/docker-compose.yml"
TEST_SECRET=0123456789abcdef0123456789abcdef

compose=()
if command -v docker-compose >/dev/null 2>&1; then
    compose=(docker-compose)
elif command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
    compose=(docker compose)
else
    echo "==> installing docker-compose (apt)"
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        sudo=(sudo -n)
    fi
    ${sudo[@]+"${sudo[@]}"} apt-get update -qq
    DEBIAN_FRONTEND=noninteractive ${sudo[@]+"${sudo[@]}"} apt-get install -y -qq docker-compose </dev/null
    compose=(docker-compose)
fi
echo "==> $("${compose[@]}" version 2>/dev/null | head -n 1)"

echo "==> ${compose[*]} -f docker-compose.yml config -q (JWT_SECRET set)"
JWT_SECRET="$TEST_SECRET" "${compose[@]}" -f "$FILE" config -q

echo "==> ${compose[*]} -f docker-compose.yml config -q (JWT_SECRET unset: must fail)"
if env -u JWT_SECRET "${compose[@]}" -f "$FILE" config -q >/dev/null 2>&1; then
    echo "compose: JWT_SECRET is not enforced as required" >&2
    exit 1
fi

echo "compose: ok"
