#!/usr/bin/env bash
# Translations (see README, "Adding a user-facing string"):
#   update         re-extract the Vietnamese source strings into the English catalogue
#   extract [OUT]  only extract, into OUT (default translations/messages.pot)
#   compile        build the .mo files the app loads (run by `make run` and `make test`):
#                  messages (English UI) and wtforms (Vietnamese for WTForms'/Flask-WTF's messages)
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL="${PYBABEL:-.venv/bin/pybabel}"

extract() {
  # --ignore-dirs replaces pybabel's default (".*" and "_*"), which silently skipped
  # templates/_macros/; only dot folders and caches are left out now.
  "$PYBABEL" -q extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 --no-location --sort-output \
    --ignore-dirs ".* __pycache__ instance node_modules" -o "$1" .
}

case "${1:-compile}" in
  extract)
    extract "${2:-translations/messages.pot}"
    ;;
  update)
    extract translations/messages.pot
    "$PYBABEL" -q update -i translations/messages.pot -d translations --no-fuzzy-matching --width 100
    ;;
  compile)
    "$PYBABEL" -q compile -d translations --use-fuzzy 2>/dev/null || "$PYBABEL" -q compile -d translations
    "$PYBABEL" -q compile -d translations -D wtforms
    ;;
  *)
    echo "usage: $0 [compile|update|extract [OUT]]" >&2
    exit 2
    ;;
esac
