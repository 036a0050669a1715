#!/usr/bin/env bash
# Translations: `update` re-extracts the Vietnamese source strings into the English catalogue;
# `compile` builds the .mo files the app loads (run by `make run` and `make test`).
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL="${PYBABEL:-.venv/bin/pybabel}"
case "${1:-compile}" in
  update)
    "$PYBABEL" -q extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o translations/messages.pot .
    "$PYBABEL" -q update -i translations/messages.pot -d translations --no-fuzzy-matching --width 100
    ;;
  compile)
    "$PYBABEL" -q compile -d translations --use-fuzzy 2>/dev/null || "$PYBABEL" -q compile -d translations
    ;;
esac
