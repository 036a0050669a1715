"""What a worker runs for every job: the target inside an app context, committed, with a clean session after it.

Workers start with `flask jobs worker`, which builds the app and pushes its context; RQ's forked
work horse inherits it. (RQ's own `rq worker` command has no app and is not supported.)
"""

from flask import current_app, has_app_context

from storefront.jobs import fold_periodic_failures, resolve


def run(target: str, args, kwargs):
    from storefront.extensions import db

    if not has_app_context():
        raise RuntimeError("jobs need the app: start workers with `flask jobs worker`")
    with current_app.app_context():  # a context of the job's own: its own database session
        try:
            result = resolve(target)(*args, **kwargs)
            db.session.commit()  # a job is a boundary, like a CLI command: services flush, it commits
            return result
        except Exception:
            fold_periodic_failures()  # before RQ lists this failure: one entry per periodic job
            raise
        finally:
            db.session.remove()
