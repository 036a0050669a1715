#!/usr/bin/env bash
# Rebuild the single initial migration from the models (allowed only while no deployment has
# applied it): generate against an empty SQLite database, so it is engine-neutral.
set -euo pipefail
cd "$(dirname "$0")/.."
FLASK="${FLASK:-.venv/bin/flask}"
tmp=$(mktemp -d)
rm -f migrations/versions/*.py
DATABASE_URL="sqlite:///$tmp/empty.sqlite3" FLASK_APP=wsgi.py "$FLASK" db migrate -m "initial schema" >/dev/null 2>&1
rm -rf "$tmp"
ls migrations/versions/
