#!/usr/bin/env bash
# Lint, then the suite on SQLite and on PostgreSQL at the same time: one pytest process per leg, so
# one core each on a 2-core machine. Each leg has its own Redis databases, S3 stand-in port, temp
# folder (uploads, stamps, outboxes, search indexes, SQLite files), pytest cache and screenshot
# folder; its output goes to its own log, printed whole when the leg ends. Under CI=true the
# PostgreSQL leg is required. Arguments go to both pytest runs.
#
#   leg         database             TEST_REDIS_URL   TEST_JOBS_REDIS_URL   TEST_S3_PORT
#   SQLite      file in its temp     db 5             db 9                  8551
#   PostgreSQL  TEST_DATABASE_URL    db 6             db 10                 8555
#
# Override with TEST_REDIS_URL / TEST_JOBS_REDIS_URL / TEST_S3_PORT (SQLite leg) and
# PG_TEST_REDIS_URL / PG_TEST_JOBS_REDIS_URL / PG_TEST_S3_PORT (PostgreSQL leg).
# TEST_SERIAL=1 runs the legs one after the other (same isolation, same logs).
set -uo pipefail
set -m  # each leg in its own process group, so an interrupted run stops its pytest processes too
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
PG_URL="${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
REDIS_HOST="redis://127.0.0.1:6379"

if [ -x /usr/bin/chromium ] || [ -n "${CHROMIUM_PATH:-}" ]; then
  echo "Browser tests: on (Chromium found)"
else
  echo "Browser tests: SKIPPED — no Chromium at /usr/bin/chromium (apt-get install chromium to run them)"
fi

echo "== Lint: ruff (lint + format) and import-linter (floors, cycles, views) =="
BIN="$(dirname "$PY")"
"$BIN/ruff" check . && "$BIN/ruff" format --check . && "$BIN/lint-imports"
lint_rc=$?

WORK="$(mktemp -d "${TMPDIR:-/tmp}/ocop-test.XXXXXX")"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
# interrupted: show what each leg had logged, then stop them (cleanup)
trap 'for log in "$WORK"/*.log; do [ -f "$log" ] && echo "== $(basename "$log") (interrupted) ==" && tail -n 40 "$log"; done; exit 130' INT TERM

# run_leg NAME DATABASE_URL REDIS_URL JOBS_REDIS_URL S3_PORT [pytest args…]: pytest in the background,
# its own temp folder and log; its exit code lands in $WORK/NAME.rc.
run_leg() {
  local name="$1" db_url="$2" redis_url="$3" jobs_url="$4" s3_port="$5"
  shift 5
  local tmp="$WORK/$name-tmp" cache=()
  mkdir -p "$tmp"
  case " $* " in *no:cacheprovider*) ;; *) cache=(-o "cache_dir=.pytest_cache/$name") ;; esac
  (
    if [ -n "$db_url" ]; then export TEST_DATABASE_URL="$db_url"; else unset TEST_DATABASE_URL; fi
    export TMPDIR="$tmp" TEST_REDIS_URL="$redis_url" TEST_JOBS_REDIS_URL="$jobs_url" TEST_S3_PORT="$s3_port"
    export TEST_ARTIFACTS_DIR="test-artifacts/$name"
    start=$SECONDS
    "$PY" -m pytest "${cache[@]}" "$@" >"$WORK/$name.log" 2>&1
    rc=$?
    echo "($name leg: exit $rc, $((SECONDS - start)) s)" >>"$WORK/$name.log"
    echo "$rc" >"$WORK/$name.rc"
  ) &
  pids+=($!)
  echo "$name leg started (pid $!): TEST_REDIS_URL=$redis_url TEST_JOBS_REDIS_URL=$jobs_url TEST_S3_PORT=$s3_port"
  if [ "${TEST_SERIAL:-}" = "1" ]; then wait "$!"; fi
}

# print_leg NAME: the leg's whole log under a header, once it has ended.
print_leg() {
  echo
  echo "================================ $1 ================================"
  cat "$WORK/$1.log"
}

run_leg sqlite "" "${TEST_REDIS_URL:-$REDIS_HOST/5}" "${TEST_JOBS_REDIS_URL:-$REDIS_HOST/9}" \
  "${TEST_S3_PORT:-8551}" "$@"

echo "== PostgreSQL ($PG_URL) =="
pg_state=skipped
if "$PY" - "$PG_URL" <<'PYEOF'
import sys
import sqlalchemy
try:
    with sqlalchemy.create_engine(sys.argv[1]).connect() as conn:
        conn.execute(sqlalchemy.text("SELECT 1"))
except Exception as exc:
    print(f"PostgreSQL not reachable: {exc}", file=sys.stderr)
    sys.exit(1)
PYEOF
then
  pg_state=running
  run_leg postgresql "$PG_URL" "${PG_TEST_REDIS_URL:-$REDIS_HOST/6}" "${PG_TEST_JOBS_REDIS_URL:-$REDIS_HOST/10}" \
    "${PG_TEST_S3_PORT:-8555}" "$@"
elif [ "${CI:-}" = "true" ]; then
  echo "CI=true and PostgreSQL is unreachable: failing (the PostgreSQL leg is required in CI)."
  pg_state=required
else
  echo "PostgreSQL leg SKIPPED: database unreachable (set TEST_DATABASE_URL)."
fi

# Print each leg's log as soon as it ends, the first to finish first.
legs=(sqlite)
[ "$pg_state" = running ] && legs+=(postgresql)
declare -A shown=()
while [ ${#shown[@]} -lt ${#legs[@]} ]; do
  running=$(jobs -rp | wc -l)
  for leg in "${legs[@]}"; do
    [ -n "${shown[$leg]:-}" ] && continue
    # a leg whose shell died without writing its exit code counts as failed
    [ -f "$WORK/$leg.rc" ] || [ "$running" -gt 0 ] || echo 1 >"$WORK/$leg.rc"
    if [ -f "$WORK/$leg.rc" ]; then
      print_leg "$leg"
      shown[$leg]=1
    fi
  done
  [ ${#shown[@]} -lt ${#legs[@]} ] && sleep 2
done
pids=()

sqlite_rc=$(cat "$WORK/sqlite.rc")
case "$pg_state" in
  running) pg_rc=$(cat "$WORK/postgresql.rc") ;;
  required) pg_rc=1 ;;
  *) pg_rc=0 ;;
esac

echo "Lint exit: $lint_rc, SQLite exit: $sqlite_rc, PostgreSQL exit: $pg_rc"
[ "$lint_rc" -eq 0 ] && [ "$sqlite_rc" -eq 0 ] && [ "$pg_rc" -eq 0 ]
