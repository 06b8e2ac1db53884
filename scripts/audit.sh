#!/usr/bin/env bash
# GraphQL-over-HTTP compliance: runs the audit suite of the npm package graphql-http
# (serverAudits) against a freshly built debug server on an embedded SQLite database in a temp dir.
#
#   bash scripts/audit.sh
#
# Prints one line per audit and `passed: MUST x/y, SHOULD x/y, MAY x/y`; exits non-zero when any
# MUST or SHOULD audit fails (MAY audits are reported only). graphql-http and graphql are installed
# once with npm into AUDIT_CACHE (default ~/.cache/roadmap-api/graphql-http-audit); node and npm come
# from Debian's packages when missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

GRAPHQL_HTTP_VERSION=1.23.1
GRAPHQL_VERSION=16.15.0
cache=${AUDIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/roadmap-api/graphql-http-audit}
say() { printf '==> %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@"
    else
        say "need root for: $*"
        return 1
    fi
}

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    say "installing node and npm (apt)"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq nodejs npm >/dev/null
fi
# The audits use the global fetch (node 18 or later).
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 18 ]; then
    say "node $node_major is too old: the audits need node 18 or later"
    exit 1
fi

if [ ! -f "$cache/node_modules/graphql-http/package.json" ] || [ ! -f "$cache/node_modules/graphql/package.json" ]; then
    say "installing graphql-http@$GRAPHQL_HTTP_VERSION and graphql@$GRAPHQL_VERSION into $cache"
    mkdir -p "$cache"
    npm install --silent --no-audit --no-fund --prefix "$cache" \
        "graphql-http@$GRAPHQL_HTTP_VERSION" "graphql@$GRAPHQL_VERSION" >/dev/null
fi

say "cargo build --bin roadmap-api"
cargo build --bin roadmap-api
target_dir=$(cargo metadata --format-version 1 --no-deps | node -e \
    'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
bin="$target_dir/debug/roadmap-api"

work=$(mktemp -d)
server_pid=""
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

say "starting the server (embedded SQLite in $work)"
env -u DATABASE_URL DATA_DIR="$work/data" LISTEN_ADDR=127.0.0.1:0 RUST_LOG=warn,roadmap_api=info \
    "$bin" serve >"$work/server.log" 2>&1 </dev/null &
server_pid=$!

url=""
deadline=$((SECONDS + 60))
while [ -z "$url" ]; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        say "the server exited; its output:"
        cat "$work/server.log" >&2
        exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
        say "the server did not start within 60 s; its output:"
        cat "$work/server.log" >&2
        exit 1
    fi
    url=$(grep -o 'listening on http://[^ ]*/graphql' "$work/server.log" | head -n1 | sed 's/^listening on //' || true)
    [ -n "$url" ] || sleep 0.2
done
say "auditing $url"

cat >"$cache/audit.mjs" <<'JS'
import { serverAudits } from 'graphql-http';
const url = process.argv[2];
const tally = { MUST: [0, 0], SHOULD: [0, 0], MAY: [0, 0] };
for (const audit of serverAudits({ url, fetchFn: fetch })) {
  const level = audit.name.split(' ')[0];
  const r = await audit.fn();
  const ok = r.status === 'ok';
  tally[level][ok ? 0 : 1]++;
  const mark = ok ? 'ok  ' : level === 'MAY' ? 'note' : 'FAIL';
  console.log(`${mark} ${audit.id} ${audit.name}${ok ? '' : ' -- ' + r.reason}`);
}
const line = (l) => `${l} ${tally[l][0]}/${tally[l][0] + tally[l][1]}`;
console.log(`passed: ${line('MUST')}, ${line('SHOULD')}, ${line('MAY')}`);
process.exit(tally.MUST[1] + tally.SHOULD[1] > 0 ? 1 : 0);
JS
status=0
(cd "$cache" && node audit.mjs "$url") || status=$?
exit "$status"
