"""Background jobs: RQ on Redis when JOBS_REDIS_URL is set, else run at once in the calling process.

    jobs.enqueue("storefront.outbox.jobs:deliver", [12, 13], label="mail")

`target` is "module:function" (imported by the worker, so this base floor imports no feature).
Call enqueue only after the commit that makes the job's data visible (an after-commit hook, or
after `db.session.commit()` in a view): a worker on another machine reads the database, never the
caller's session.

Without JOBS_REDIS_URL (development, `make run`, the tests that do not ask for a queue) the target
runs now, in the caller's app context, exactly as the code ran before there was a queue; its
exception is logged and swallowed the way the old after-commit work was (`raise_errors=True`
lets a boundary see it). With a queue, a job that raises is retried JOB_RETRIES times after
JOB_RETRY_INTERVALS seconds (backoff), then lands in RQ's failed registry, which the office sees
at /office/jobs. Run the worker with `flask jobs worker` and the periodic work with
`flask jobs scheduler` (storefront/jobs/commands.py).
"""

import logging
import time
from datetime import UTC, datetime

from flask import current_app

log = logging.getLogger(__name__)
#: Queues, most urgent first: a worker serves them in this order (stamp sheets take seconds each).
QUEUES = ("default", "stamps")


def queue_url(app=None) -> str:
    return (app or current_app).config.get("JOBS_REDIS_URL") or ""


def connection(app=None):
    """Return the Redis connection of the job queue (one per app), or None when jobs run in-process."""
    app = app or current_app
    url = queue_url(app)
    if not url:
        return None
    conn = app.extensions.get("jobs_redis")
    if conn is None:
        from redis import Redis

        conn = app.extensions["jobs_redis"] = Redis.from_url(url)
    return conn


def get_queue(name: str = "default", app=None):
    from rq import Queue

    return Queue(name, connection=connection(app))


def retry_policy(app=None):
    from rq import Retry

    app = app or current_app
    intervals = [int(x) for x in str(app.config.get("JOB_RETRY_INTERVALS", "10,60,300")).split(",") if x.strip()]
    retries = int(app.config.get("JOB_RETRIES", 3))
    return Retry(max=retries, interval=intervals or 0) if retries > 0 else None


def resolve(target: str):
    """Import "module:function" and return the function."""
    from importlib import import_module

    module_name, _, name = target.partition(":")
    return getattr(import_module(module_name), name)


def enqueue(
    target: str,
    *args,
    queue: str = "default",
    job_id: str | None = None,
    raise_errors: bool = False,
    result_ttl: int = 24 * 3600,
    retry: bool = True,
    meta: dict | None = None,
    **kwargs,
):
    """Run `target(*args, **kwargs)` as a job (queue configured) or now (no queue); return the RQ job or None.

    result_ttl: seconds RQ keeps a finished job's result. retry: False = no RQ retries (a periodic
    job whose next run comes soon). meta: kept with the job ({"periodic": name} for periodic jobs).
    """
    if not connection():
        try:
            resolve(target)(*args, **kwargs)
        except Exception:
            if raise_errors:
                raise
            log.exception("in-process job %s failed", target)
        return None
    return get_queue(queue).enqueue(
        "storefront.jobs.runner.run",
        target,
        args,
        kwargs,
        job_id=job_id,
        description=target,
        retry=retry_policy() if retry else None,
        meta=meta,
        result_ttl=result_ttl,
        failure_ttl=30 * 24 * 3600,
        job_timeout=int(current_app.config.get("JOB_TIMEOUT_SECONDS", 900)),
    )


def fetch(job_id: str):
    """Return the RQ job with this id, or None (no queue, unknown or expired id)."""
    conn = connection()
    if conn is None:
        return None
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    try:
        return Job.fetch(job_id, connection=conn)
    except NoSuchJobError:
        return None


def report_progress(done: int, total: int) -> None:
    """Inside a job: record how far it got (shown to whoever waits for it); outside one: nothing."""
    from rq import get_current_job

    job = get_current_job()
    if job is not None:
        job.meta["progress"] = [done, total]
        job.save_meta()


def failed_jobs(limit: int = 200) -> list[dict]:
    """Jobs that used up their retries, newest first (for the office's page); [] without a queue."""
    if connection() is None:
        return []
    from rq.registry import FailedJobRegistry

    found = []
    for name in QUEUES:
        queue = get_queue(name)
        registry = FailedJobRegistry(queue=queue)
        for job in queue.job_class.fetch_many(registry.get_job_ids(0, limit - 1), connection=connection()):
            if job is None:
                continue
            result = job.latest_result()
            lines = ((result.exc_string if result is not None else "") or "").strip().splitlines()
            # The exception's own line: not its indented continuation, nor SQLAlchemy's closing link.
            error = [line for line in lines if line[:1].strip() and not line.startswith("(Background on this error")]
            since = job.meta.get("failing_since")
            found.append(
                {
                    "id": job.id,
                    "queue": name,
                    "target": job.args[0] if job.args else job.func_name,
                    "args": repr(job.args[1] if len(job.args) > 1 else ())[:200],
                    "failed_at": job.ended_at,
                    "error": error[-1][:300] if error else "",
                    "periodic": job.meta.get("periodic"),
                    "attempts": job.meta.get("attempts", 1),
                    "failing_since": datetime.fromtimestamp(since, UTC) if since else job.ended_at,
                }
            )
    found.sort(key=lambda item: item["failed_at"].timestamp() if item["failed_at"] else 0, reverse=True)
    return found[:limit]


def requeue_failed(job_id: str) -> bool:
    """Put a failed job back on its queue; False when there is no such failed job."""
    if connection() is None:
        return False
    from rq.registry import FailedJobRegistry

    for name in QUEUES:
        registry = FailedJobRegistry(queue=get_queue(name))
        if job_id in registry.get_job_ids():
            registry.requeue(job_id)
            return True
    return False


def fold_periodic_failures() -> None:
    """Inside a periodic job about to be listed as failed: fold its name's earlier failed entries into this one.

    A drain every 2 s with the database down fails 1,800 times an hour; the office sees one entry
    per periodic job ("failing since, N attempts, last error") instead, and every other failure
    stays in sight. Called by the runner before re-raising, so RQ lists the folded job; a job
    with RQ retries left is not listed yet and folds nothing. Never raises (the job's own error matters).
    """
    from rq import get_current_job

    job = get_current_job()
    if job is None or "periodic" not in job.meta or job.retries_left:
        return
    try:
        _fold_into(job, job.meta["periodic"])
    except Exception:
        log.exception("folding the failures of periodic job %s", job.id)


def _fold_into(job, name: str) -> None:
    from rq.registry import FailedJobRegistry
    from rq.results import Result

    registry = FailedJobRegistry(queue=get_queue(job.origin))
    prefix = f"periodic-{name}-"
    ids = [job_id for job_id in registry.get_job_ids() if job_id.startswith(prefix) and job_id != job.id]
    attempts = job.meta.get("attempts", 0) + 1  # a failed entry put back by the office keeps its count
    since = job.meta.get("failing_since") or time.time()
    for earlier in job.fetch_many(ids, connection=job.connection):
        if earlier is None or earlier.meta.get("periodic") != name:
            continue
        attempts += earlier.meta.get("attempts", 1)
        ended = earlier.ended_at.timestamp() if earlier.ended_at else since
        since = min(since, earlier.meta.get("failing_since") or ended)
        registry.remove(earlier, delete_job=True)
        Result.delete_all(earlier)
    job.meta.update(attempts=attempts, failing_since=since)
    job.save_meta()
