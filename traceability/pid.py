"""This process's id without a system call each time (glibc no longer caches getpid).

A scan asks three or four times whether it runs in the process that made the scan buffer and
the raw connections (a gunicorn worker forked after they were made must not use them); the
answer changes only in a forked child, where the hook below updates it.
"""

import os

_pid = os.getpid()


def _forked() -> None:
    global _pid
    _pid = os.getpid()


os.register_at_fork(after_in_child=_forked)


def current() -> int:
    return _pid
