"""`flask jobs worker` (RQ worker) and `flask jobs scheduler` (the periodic work, enqueued on time)."""

import time

import click
from flask import current_app
from flask.cli import AppGroup

from storefront.jobs import QUEUES, connection, enqueue, get_queue

#: Periodic work: name -> (default seconds between runs, target). JOB_SCHEDULE overrides the
#: seconds ("release-expired=60,outbox-send=60,reindex=86400,scan-retention=86400"; 0 turns one off).
PERIODIC = {
    "release-expired": (60, "storefront.checkout.orders:expire_lapsed_orders"),
    "outbox-send": (60, "storefront.outbox.jobs:send_pending"),
    "reindex": (24 * 3600, "storefront.catalog.indexing:reindex_all"),
    # Walk-up look-ups of unregistered codes past UNKNOWN_SCAN_RETENTION_DAYS (issue 15's leftover).
    "scan-retention": (24 * 3600, "traceability.scans.unknown:purge_unknown_scans"),
    "scan-rollup": (24 * 3600, "traceability.scans.rollup:roll_up_scans"),  # SCAN_RAW_RETENTION_DAYS
    "bookings-release": (60, "storefront.experiences.jobs:release_lapsed"),
    "experiences": (3600, "storefront.experiences.jobs:hourly"),
    # SCAN_WRITE_MODE=queue: scans from the Redis stream to the database (off in the other modes).
    "scan-drain": (0, "traceability.scans.stream:drain_scans"),
}
#: How long a periodic job's result is kept (nobody reads it; a drain every 2 s would keep 43,200 a day).
PERIODIC_RESULT_SECONDS = 600

#: Periodic jobs that run more often than this get no RQ retries: their next run is the retry (a
#: drain every 2 s with the database down would otherwise add 5,400 retries an hour to its failures).
PERIODIC_RETRY_SECONDS = 3600

#: Seconds between a worker's clean-ups of RQ's registries (abandoned jobs found, see worker_command).
MAINTENANCE_SECONDS = 60

jobs_cli = AppGroup("jobs", help="Background jobs: worker, scheduler, failed jobs.")


def _require_queue():
    if connection() is None:
        raise click.ClickException(
            "JOBS_REDIS_URL is not set: jobs run inside the web process and need no worker "
            "(set it, e.g. redis://127.0.0.1:6379/1, to run them here)"
        )


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then stop.")
@click.option("--simple", is_flag=True, help="Run each job in this process instead of a forked child.")
def worker_command(burst, simple):
    """Run jobs from the queues (default, then stamps), retrying failed ones on their schedule."""
    _require_queue()
    from rq import SimpleWorker, Worker

    worker_class = SimpleWorker if simple else Worker
    queues = [get_queue(name) for name in QUEUES]
    # Registry clean-up each minute (RQ's default: 10): a job whose worker died with it (kill -9, a lost
    # machine) is put back, or listed as failed, once that worker's heartbeat lapses (at most 90 s).
    worker = worker_class(queues, connection=connection(), maintenance_interval=MAINTENANCE_SECONDS)
    worker.work(burst=burst, with_scheduler=True, logging_level="INFO")


def schedule_due(now: float | None = None) -> list[str]:
    """Enqueue each periodic job whose slot has begun and no scheduler has claimed; return their names."""
    conn = connection()
    now = time.time() if now is None else now
    every = dict(_intervals())
    started = []
    for name, (_default, target) in PERIODIC.items():
        seconds = every[name]
        if seconds <= 0:
            continue
        slot = int(now // seconds)
        # SET NX: of several schedulers (one per server, for failover), one enqueues each slot.
        if not conn.set(f"ocop:jobs:periodic:{name}:{slot}", "1", nx=True, ex=max(seconds * 2, 120)):
            continue
        last = f"ocop:jobs:periodic:{name}:last"
        if _still_waiting(conn, conn.get(last)):
            continue  # the run waiting in the queue does this slot's work: no pile-up while workers are busy or down
        job = enqueue(
            target,
            job_id=f"periodic-{name}-{slot}",
            result_ttl=PERIODIC_RESULT_SECONDS,
            retry=seconds >= PERIODIC_RETRY_SECONDS,
            meta={"periodic": name},
        )
        conn.set(last, job.id, ex=max(seconds * 2, 7 * 24 * 3600))
        started.append(name)
    return started


def _still_waiting(conn, job_id) -> bool:
    """Say whether this periodic run is still in the queue, not started (a job gone or finished is not)."""
    if not job_id:
        return False
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus

    try:
        return (
            Job.fetch(job_id.decode() if isinstance(job_id, bytes) else job_id, connection=conn).get_status()
            == JobStatus.QUEUED
        )
    except NoSuchJobError:
        return False


def _intervals():
    config = current_app.config
    overrides = (
        {"scan-drain": int(config.get("SCAN_DRAIN_SECONDS", 2))} if config.get("SCAN_WRITE_MODE") == "queue" else {}
    )
    for part in (config.get("JOB_SCHEDULE") or "").split(","):
        name, _, seconds = part.partition("=")
        if name.strip() in PERIODIC and seconds.strip().isdigit():
            overrides[name.strip()] = int(seconds)
    return [(name, overrides.get(name, default)) for name, (default, _target) in PERIODIC.items()]


@jobs_cli.command("scheduler")
@click.option("--once", is_flag=True, help="Enqueue what is due now and stop.")
def scheduler_command(once):
    """Enqueue the periodic work on time: release-expired, outbox send, daily reindex, daily scan retention."""
    _require_queue()
    click.echo("periodic jobs: " + ", ".join(f"{name} every {s}s" for name, s in _intervals() if s > 0))
    while True:
        for name in schedule_due():
            click.echo(f"enqueued {name}")
        if once:
            return
        time.sleep(1)
