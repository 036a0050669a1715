"""A real `flask jobs worker` for the tests: its own process on the test app's database, folders, bucket and Redis."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def worker_env(app, **overrides) -> dict:
    """The environment of a `flask jobs worker` process on this app's settings (database, folders, bucket).

    overrides: environment values of this worker's own (DATABASE_URL of a database that is down).
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith(("S3_", "STORAGE_"))}
    names = (
        "JOBS_REDIS_URL JOB_RETRIES JOB_RETRY_INTERVALS SEARCH_INDEX_DIR UPLOAD_DIR STAMP_DIR MAIL_OUTBOX_DIR "
        "PUBLIC_BASE_URL STORAGE_BACKEND S3_BUCKET S3_ENDPOINT_URL S3_REGION S3_ACCESS_KEY_ID "
        "S3_SECRET_ACCESS_KEY S3_PREFIX STAMP_JOB_THRESHOLD REDIS_URL SCAN_WRITE_MODE JOB_SCHEDULE"
    ).split()
    env.update({name: str(app.config[name]) for name in names if app.config.get(name) not in (None, "")})
    env.update(DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], FLASK_APP="wsgi.py", GC_COLLECTOR="automatic")
    env.update(overrides)
    return env


def run_worker(app, **overrides) -> str:
    """Run `flask jobs worker --burst` as its own process on this app's settings; return its log."""
    done = subprocess.run(
        [sys.executable, "-m", "flask", "jobs", "worker", "--burst"],
        cwd=ROOT,
        env=worker_env(app, **overrides),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr
