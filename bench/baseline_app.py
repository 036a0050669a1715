"""The baseline: a bare Flask route returning short text, served like the shop.

`/page` returns a fixed page the size of an origin page (no template, no database): measured
against `/` it shows how much of a page's cost is only the bytes on the wire and in wrk.
`/db/<id>` reads one stamp by primary key from the bench database (BENCH_BASELINE_DATABASE_URL)
on the thread's own connection, the least an origin page must do per scan: measured against `/`
it shows what one round trip to the database costs on this machine. `/db-limited/<id>` adds one
request counted in a fixed-window rate limit in Redis (BENCH_BASELINE_REDIS_URL) through the `limits`
library, as production counts every scan: the least a scan costs as deployed.
"""

import os
import sqlite3
import threading

from flask import Flask, request

app = Flask(__name__)

#: About 7 KB of UTF-8 HTML, like an origin page of the bench dataset.
PAGE = (
    '<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Nguồn gốc</title></head><body>'
    + "<p>Chè Tân Cương đặc biệt · HTX Chè Hảo Đạt · Xã Tân Cương, Thái Nguyên · Lô L2026-01</p>" * 60
    + "</body></html>"
)


@app.route("/")
def index():
    return "xin chào"


@app.route("/page")
def page():
    return PAGE


_local = threading.local()
_STAMP = "SELECT id, serial, scan_count FROM stamps WHERE id = {}"


def _connection():
    connection = getattr(_local, "connection", None)
    if connection is None:
        url = os.environ["BENCH_BASELINE_DATABASE_URL"]
        if url.startswith("sqlite:///"):
            connection = sqlite3.connect(url.removeprefix("sqlite:///"), check_same_thread=False)
            connection.isolation_level = None
            _local.placeholder = "?"
        else:
            import psycopg

            connection = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
            _local.placeholder = "%s"
        _local.connection = connection
    return connection


@app.route("/db/<int:stamp_id>")
def one_read(stamp_id):
    connection = _connection()
    cursor = connection.cursor()
    cursor.execute(_STAMP.format(_local.placeholder), (stamp_id,))
    row = cursor.fetchone()
    cursor.close()
    return f"xin chào {row[1] if row else '-'} {row[2] if row else 0}"


_limiter = None


@app.route("/db-limited/<int:stamp_id>")
def one_read_limited(stamp_id):
    global _limiter
    if _limiter is None:
        from limits import storage, strategies

        _limiter = strategies.FixedWindowRateLimiter(
            storage.storage_from_string(os.environ["BENCH_BASELINE_REDIS_URL"])
        )
    if not _limiter.hit(_SCAN_LIMIT, "bench-baseline", request.remote_addr):
        return "quá nhiều lượt", 429
    return one_read(stamp_id)


def _scan_limit():
    from limits import parse

    return parse("1000000 per minute")


_SCAN_LIMIT = _scan_limit()
