"""A web worker does not load what only a few routes or commands use (worker memory, BENCHMARKS.md)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: Loaded on first use: migrations (alembic, mako, pygments ~11 MB), password checks (~12 MB),
#: decision-scan parsing (~15 MB), stamp printing, calendar (.ics) files (~3 MB), pixels of uploaded
#: photos and scans (Pillow, ~3 MB), phone numbers typed into a form (phonenumbers, ~2 MB), and the
#: Whoosh search backend (its index, codec and reader; the query folding keeps whoosh.analysis).
LAZY = (
    "alembic",
    "flask_migrate",
    "mako",
    "zxcvbn",
    "pypdf",
    "reportlab",
    "qrcode",
    "icalendar",
    "PIL",
    "phonenumbers",
    "whoosh.index",
    "whoosh.reading",
    "whoosh.codec",
)


def test_creating_the_app_leaves_heavy_modules_for_their_first_use(tmp_path):
    script = (
        "import sys\n"
        "from config import TestConfig\n"
        "from storefront import create_app\n"
        "create_app(TestConfig)\n"
        f"print(','.join(sorted(m for m in {LAZY!r} if m in sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (done.stdout.splitlines() or [""])[-1] == ""  # the names of those loaded


def test_the_migration_commands_still_load_when_used(app):
    from flask import current_app

    with app.app_context():
        assert current_app.extensions["migrate"].directory.endswith("migrations")
