#!/usr/bin/env bash
# The load benchmark in one command (see bench/README.md):
#
#   bench/run.sh [--db sqlite|postgres] [--scale tiny|small|medium|full] [--duration SECS]
#                [--only a,b,…] [--fresh] [--server-bin PATH] [--out FILE] [--learner]
#                [--env NAME=VALUE]… [--postgraphile] [--catalogue standard|large]
#
# --catalogue large generates ten times the catalogue (910 roadmaps, 104,000 topics, 247,000
# resources; the largest roadmap stays the same), in its own data set (`…-large`), for search at
# the size issue 23 names.
#
# --learner runs `roadmap-bench learner` instead (the learner's path of issue 22, with wrk:
# ceiling, pages, dashboard, writes against the raw statements, cold paths; 200 learners).
# --postgraphile (with --learner --db postgres) adds row pg8: the same page from PostGraphile v4,
# installed with npm into bench/postgraphile/ on first use.
#
# Builds the release server and roadmap-bench, installs oha when missing, generates the data set
# once per database and scale (under target/bench/, or in the PostgreSQL database
# roadmap_bench_<scale>), then runs every scenario with oha against a freshly started server and a
# static ceiling process, and prints the table (also into FILE with --out).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DB=sqlite
SCALE=small
DURATION=10
ONLY=""
FRESH=0
SERVER_BIN=""
OUT=""
SUITE=run
POSTGRAPHILE=0
CATALOGUE=standard
# Server settings over the bench's own (e.g. --env RATE_LIMIT_USER_POINTS=0).
EXTRA_ENV=()
while [ $# -gt 0 ]; do
    case "$1" in
        --db) DB="$2"; shift 2 ;;
        --scale) SCALE="$2"; shift 2 ;;
        --duration) DURATION="$2"; shift 2 ;;
        --only) ONLY="$2"; shift 2 ;;
        --fresh) FRESH=1; shift ;;
        --server-bin) SERVER_BIN="$2"; shift 2 ;;
        --out) OUT="$2"; shift 2 ;;
        --learner) SUITE=learner; shift ;;
        --env) EXTRA_ENV+=(--env "$2"); shift 2 ;;
        --postgraphile) POSTGRAPHILE=1; shift ;;
        --catalogue) CATALOGUE="$2"; shift 2 ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done

# The catalogue is always full size (91 roadmaps, ~10,400 topics, ~24,700 resources); users and
# progress rows scale.
case "$SCALE" in
    tiny) USERS=1000; PROGRESS=10000 ;;
    small) USERS=10000; PROGRESS=100000 ;;
    medium) USERS=100000; PROGRESS=2000000 ;;
    full) USERS=100000; PROGRESS=10000000 ;;
    *) echo "--scale must be tiny, small, medium or full" >&2; exit 2 ;;
esac
# Every user has a public profile with dated activity, for the leaderboard (l).
# A team of 1,000 members (fewer at scale tiny: every user) following 10 roadmaps, for (t).
TEAM=$(( USERS < 1000 ? USERS : 1000 ))
GEN=(--users "$USERS" --progress "$PROGRESS" --profiles "$USERS" --team-members "$TEAM" --team-roadmaps 10)
# The data set's name: the scale, and the catalogue when it is not the standard one.
SET="$SCALE"
case "$CATALOGUE" in
    standard) ;;
    large) GEN+=(--roadmaps 910 --topics 104000 --resources 247000); SET="$SCALE-large" ;;
    *) echo "--catalogue must be standard or large" >&2; exit 2 ;;
esac

# The server by default; --server-bin measures another build (e.g. an older one, for "before").
if [ -z "$SERVER_BIN" ]; then
    cargo build --release --quiet --bin roadmap-api
    SERVER_BIN=target/release/roadmap-api
fi
cargo build --release --quiet -p roadmap-bench
BENCH=target/release/roadmap-bench
if [ "$SUITE" = run ] && ! command -v oha >/dev/null; then
    echo "oha not found: cargo install --locked oha" >&2
    cargo install --locked oha
fi
JWT_SECRET="bench-only-secret-$(printf '%032d' 0)"
ENV=(--env "JWT_SECRET=$JWT_SECRET" --env NO_SEED=true)

case "$DB" in
    sqlite)
        DIR="target/bench/sqlite-$SET"
        if [ "$FRESH" = 1 ]; then rm -rf "$DIR"; fi
        if [ ! -f "$DIR/roadmap.db" ]; then
            mkdir -p "$DIR"
            DATABASE_URL= "$BENCH" generate --data-dir "$DIR" "${GEN[@]}"
        fi
        ENV+=(--env "DATA_DIR=$DIR" --env "DATABASE_URL=")
        ;;
    postgres)
        ADMIN_URL="${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
        ROOT="${ADMIN_URL%/*}"
        NAME="${BENCH_PG_PREFIX:-roadmap_bench}_${SET//-/_}"
        URL="$ROOT/$NAME"
        if [ "$FRESH" = 1 ]; then psql -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS $NAME WITH (FORCE)"; fi
        if ! psql -qtA "$ADMIN_URL" -c "SELECT 1 FROM pg_database WHERE datname = '$NAME'" | grep -q 1; then
            psql -q "$ADMIN_URL" -c "CREATE DATABASE $NAME"
            DATABASE_URL="$URL" "$BENCH" generate "${GEN[@]}"
        fi
        DIR="target/bench/postgres-$SET"
        mkdir -p "$DIR"
        ENV+=(--env "DATABASE_URL=$URL" --env "DATA_DIR=$DIR")
        ;;
    *) echo "--db must be sqlite or postgres" >&2; exit 2 ;;
esac

MACHINE="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(free -g | awk '/Mem:/ {print $2}') GiB"
LABEL="$(date -u +%Y-%m-%d), $DB, scale $SET (${GEN[*]}), server $SERVER_BIN, $MACHINE, load average $(cut -d' ' -f1-3 /proc/loadavg)"
ARGS=(--server-bin "$SERVER_BIN" --duration "$DURATION" --dataset-users "$USERS" --label "$LABEL")
if [ -n "$ONLY" ]; then ARGS+=(--only "$ONLY"); fi
TABLE="$(mktemp)"
trap 'rm -f "$TABLE"' EXIT
if [ "$SUITE" = learner ]; then
    LEARNERS=(--server-bin "$SERVER_BIN" --duration "$DURATION" --label "$LABEL"
        --learners $(( USERS < 200 ? USERS : 200 )))
    if [ -n "$ONLY" ]; then LEARNERS+=(--only "$ONLY"); fi
    case "$DB" in
        sqlite) LEARNERS+=(--data-dir "$DIR") ;;
        postgres) LEARNERS+=(--database-url "$URL" --pgbench-url "$URL") ;;
    esac
    if [ "$POSTGRAPHILE" = 1 ] && [ "$DB" = postgres ]; then
        PGILE=bench/postgraphile/node_modules/.bin/postgraphile
        if [ ! -x "$PGILE" ]; then npm install --silent --no-audit --no-fund --prefix bench/postgraphile; fi
        LEARNERS+=(--postgraphile "$PGILE")
    fi
    DATABASE_URL= "$BENCH" learner "${ENV[@]}" ${EXTRA_ENV[@]+"${EXTRA_ENV[@]}"} "${LEARNERS[@]}" | tee "$TABLE"
    if [ -n "$OUT" ]; then cp "$TABLE" "$OUT"; fi
    exit 0
fi
"$BENCH" run "${ENV[@]}" ${EXTRA_ENV[@]+"${EXTRA_ENV[@]}"} "${ARGS[@]}" | tee "$TABLE"

# Writes: the raw upsert + history row the setTopicStatus mutation is compared with (PostgreSQL only).
if [ "$DB" = postgres ] && { [ -z "$ONLY" ] || [[ ",$ONLY," == *",c"* ]]; } && command -v pgbench >/dev/null; then
    BASE=$(psql -qtA "$URL" -c "SELECT min(id) - 1 FROM users WHERE email LIKE '%@bench.example'")
    RM=$(psql -qtA "$URL" -c "SELECT id FROM roadmaps WHERE slug = 'gen-000'")
    WRITERS=$(awk -F'|' '$2 ~ /^ c8 / {gsub(/ /, "", $4); print $4}' "$TABLE")
    echo | tee -a "$TABLE"
    echo "raw upsert + history row in one transaction (pgbench, ${WRITERS:-8} clients, ${DURATION} s):" | tee -a "$TABLE"
    RAW=$(pgbench -n -c "${WRITERS:-8}" -j 2 -T "$DURATION" -D "base=$BASE" -D "roadmap=$RM" \
        -f bench/upsert.sql "$URL" 2>&1 | tee /dev/stderr | awk '/^tps/ {print $3}')
    # Column 5 of the c8 row is its requests/s.
    MUT=$(awk -F'|' '$2 ~ /^ c8 / {gsub(/ /, "", $5); print $5}' "$TABLE")
    if [ -n "$RAW" ] && [ -n "$MUT" ]; then
        awk -v m="$MUT" -v r="$RAW" 'BEGIN { printf "setTopicStatus %d/s vs raw upsert %.0f/s: ratio %.2f\n", m, r, m / r }' | tee -a "$TABLE"
    fi
fi
if [ -n "$OUT" ]; then cp "$TABLE" "$OUT"; fi
