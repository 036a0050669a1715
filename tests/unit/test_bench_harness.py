"""The bench harness's pure parts: names, wrk output, ratios and goals, the checkout form filler."""

import os
import random

import psycopg
import pytest
from sqlalchemy.engine import make_url

from bench import load, names, report, server
from bench.checkout_client import fill_form, parse_forms
from bench.load import parse_wrk_output
from storefront.text import slugify

WRK_OUTPUT = """Running 3s test @ http://127.0.0.1:8000
  2 threads and 16 connections
  Non-2xx or 3xx responses: 4
BENCH_JSON {"requests": 3000, "duration_us": 3000000, "bytes": 123456, "errors_connect": 0, "errors_read": 1, \
"errors_write": 0, "errors_status": 4, "errors_timeout": 0, "p50_us": 2500, "p90_us": 8000, "p95_us": 9500, \
"p99_us": 20000, "mean_us": 3100.5, "max_us": 41000}
"""


def test_wrk_totals_become_requests_per_second_and_milliseconds():
    result = parse_wrk_output(WRK_OUTPUT)
    assert result.rps == pytest.approx(1000.0)
    assert (result.p50_ms, result.p95_ms, result.p99_ms, result.max_ms) == (2.5, 9.5, 20.0, 41.0)
    assert result.errors == 5


def test_wrk_output_without_the_totals_line_is_refused():
    with pytest.raises(ValueError, match="BENCH_JSON"):
        parse_wrk_output("Running 3s test @ http://127.0.0.1:8000\n")


def test_generated_names_are_the_same_for_the_same_seed_and_vietnamese():
    words = names.load_words()
    first = [names.product_name(random.Random(5), words) for _ in range(3)]
    again = [names.product_name(random.Random(5), words) for _ in range(3)]
    assert first == again
    name, group = first[0]
    assert 1 <= group <= 6
    assert slugify(name) != name  # has capitals, spaces or diacritics to fold


def test_names_fall_back_to_the_built_in_words_without_the_demo_csv(tmp_path):
    words = names.load_words(tmp_path / "missing.csv")
    assert words.places == names.PLACES
    name, legal, place = names.producer_name(random.Random(1), words)
    assert legal in {value for _, value in names.LEGAL_PREFIXES}
    assert place in names.PLACES


def test_repeated_slugs_get_a_number():
    taken = {}
    assert [names.unique_slug("che-tan-cuong", taken) for _ in range(3)] == [
        "che-tan-cuong",
        "che-tan-cuong-2",
        "che-tan-cuong-3",
    ]


def test_ratios_are_requests_per_second_over_the_baselines_for_compared_rows_only():
    rows = [
        {"name": "product page", "rps": 400.0, "vs_baseline": True},
        {"name": "raw qrcode", "rps": 50.0, "vs_baseline": False, "ratio": None},
    ]
    report.apply_ratios(rows, 1000.0)
    assert rows[0]["ratio"] == pytest.approx(0.4)
    assert rows[1]["ratio"] is None


@pytest.mark.parametrize(
    ("row", "met"),
    [
        ({"name": "product page", "ratio": 0.40}, True),
        ({"name": "catalogue page, filtered", "ratio": 0.39}, False),
        ({"name": "origin page, GS1 serialized stamp", "ratio": 0.45}, False),
        ({"name": "search page, without diacritics", "p95_ms": 49.9}, True),
        ({"name": "search page, with diacritics", "p95_ms": 50.0}, False),
        ({"name": "stamp issue + PDF, 10,000 stamps", "ratio": 2.0}, True),
        ({"name": "worker peak RSS, shop", "memory_mb": 210.0}, False),
        ({"name": "home page", "ratio": 0.01}, None),
        ({"name": "product page"}, None),
    ],
)
def test_goals_are_held_against_the_right_figure(row, met):
    assert report.goal_met(report.goal_for(row["name"]), row) is met


def test_change_since_the_previous_run_uses_requests_per_second_then_p95():
    assert report.change({"rps": 100.0}, {"rps": 110.0}) == "+10% req/s"
    assert report.change({"p95_ms": 10.0}, {"p95_ms": 5.0}) == "-50% p95"
    assert report.change(None, {"rps": 1.0}) == ""


def test_skipped_rows_say_what_is_missing_in_the_table():
    lines = report.table_lines([{"name": "checkout", "skipped": "GET /checkout answers 404", "goal": ""}])
    assert "not available yet: GET /checkout answers 404" in lines[-1]


CHECKOUT_PAGE = """
<form method="post" action="/lang/en"><input type="hidden" name="csrf_token" value="t0"></form>
<form method="post" action="/checkout/options">
  <input type="hidden" name="csrf_token" value="tok">
  <input name="contact_name"><input name="phone" type="tel"><input name="email" type="email">
  <select name="ward_code"><option value="0">— Chọn —</option><option value="5503">Tân Cương</option></select>
  <select name="province_code"><option value="1">Hà Nội</option><option value="19" selected>Thái Nguyên</option></select>
  <input type="radio" name="payment_method" value="card" checked><input type="radio" name="payment_method" value="cod">
  <textarea name="note"></textarea><button type="submit">Tiếp tục</button>
</form>
"""


def test_the_checkout_client_fills_a_form_like_a_shopper_paying_cash_on_delivery():
    form = parse_forms(CHECKOUT_PAGE)[1]
    values = fill_form(form, "0912345678")
    assert form["action"] == "/checkout/options"
    assert values == {
        "csrf_token": "tok",
        "contact_name": "Nguyễn Văn An",
        "phone": "0912345678",
        "email": "",
        "ward_code": "5503",
        "province_code": "19",
        "payment_method": "cod",
        "note": "",
    }


def test_a_page_that_never_answered_misses_its_goal_whatever_its_latency_fields_say():
    row = {"name": "search page, with diacritics", "rps": 0.0, "vs_baseline": True, "p95_ms": None}
    assert report.goal_met(report.goal_for(row["name"]), row) is False


@pytest.mark.parametrize("other", [["--deployed"], ["--scale", "years"]])
def test_memory_limits_are_refused_where_the_shop_would_still_count_in_redis(capsys, other):
    from bench import run

    with pytest.raises(SystemExit):
        run.main(["--memory-limits", *other])
    assert "--memory-limits applies to the standard run only" in capsys.readouterr().err


def test_the_years_scale_refuses_sqlite_with_a_clear_message(monkeypatch, capsys):
    from bench import run

    monkeypatch.delenv("BENCH_DATABASE_URL", raising=False)
    assert run.main(["--scale", "years"]) == 2
    assert "--scale years needs PostgreSQL" in capsys.readouterr().out


def test_years_serials_are_distinct_and_plausible():
    from bench import bulk

    pairs = bulk._pairs()
    serials = [bulk.serial_for(stamp_id, pairs) for stamp_id in range(1, 200_001)]
    assert len(set(serials)) == len(serials)
    assert all(len(s) == 10 and set(s) <= set("0123456789ABCDEFGHJKMNPQRSTVWXYZ") for s in serials[:1000])


def test_years_batches_add_up_to_the_stamps_and_stay_within_a_season():
    from datetime import date

    from bench import bulk

    products = [{"id": n, "is_published": True} for n in range(1, 301)]
    plan = bulk.plan_batches(random.Random(1), products, batches=1_000, stamps=500_000, today=date(2026, 12, 7))
    sizes = [b["size"] for b in plan]
    assert sum(sizes) == 500_000 and max(sizes) <= bulk.MAX_BATCH_STAMPS and min(sizes) >= 1
    assert min(b["packed"] for b in plan) >= date(2026, 12, 7).replace(year=2022)


def _window(rps: float) -> load.WrkResult:
    return load.WrkResult(
        requests=int(rps), seconds=1.0, rps=rps, p50_ms=1, p95_ms=1, p99_ms=1, max_ms=1, errors=0, bytes=0
    )


@pytest.mark.parametrize(
    ("climb", "spent"),
    [
        ([100, 105], 7),  # the first window after the warm-up is not 10 % faster: steady
        ([100, 200, 400, 420], 11),  # caches filling: warmed until the climb stops
        ([100 * 2**i for i in range(60)], 19),  # never steady: stops at max_warmup_seconds
    ],
)
def test_the_warm_up_goes_on_while_the_shop_still_gets_faster(climb, spent):
    seen = iter(climb)
    windows = []
    the_load = load.Load(warmup_seconds=5, window_seconds=2, max_warmup_seconds=20)
    assert load._warm_up(lambda seconds: windows.append(seconds) or _window(next(seen)), the_load) == spent
    assert windows[0] == 5 and set(windows[1:]) == {2}


def _window(requests: int) -> load.WrkResult:
    return load.WrkResult(requests, 2.0, requests / 2.0, 1.0, 2.0, 3.0, 4.0, 0, 0)


def test_cpu_per_request_divides_each_process_group_by_the_answered_requests():
    paired = load.PairedResult(baseline=[_window(4000), _window(6000)], shop=[_window(1500), _window(2500)])
    paired.shop_cpu = {"workers": 2.8, "PostgreSQL": 0.6, "Redis": 0.2}
    paired.baseline_cpu = 3.0
    assert paired.cpu_ms_per_request() == pytest.approx(
        {"workers": 0.7, "PostgreSQL": 0.15, "Redis": 0.05, "baseline workers": 0.3}
    )
    assert load.PairedResult(baseline=[], shop=[_window(0)]).cpu_ms_per_request() == {}


@pytest.mark.skipif(
    not (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql"),
    reason="counts PostgreSQL backends: runs on the PostgreSQL leg",
)
def test_the_bench_counts_the_cpu_of_its_own_databases_backends_only():
    """A real backend of the named database burning CPU is counted; the same work on another
    database's backend is not, and SQLite (no database name) counts no PostgreSQL process."""
    url = make_url(os.environ["TEST_DATABASE_URL"])
    burn = "SELECT sum(i::bigint * i) FROM generate_series(1, 3000000) AS i"
    with psycopg.connect(host=url.host, port=url.port or 5432, user=url.username, dbname=url.database) as conn:
        before = server.services_cpu_seconds(url.database)
        conn.execute(burn).fetchone()
        after = server.services_cpu_seconds(url.database)
        other_before = server.services_cpu_seconds("no_such_database")
        conn.execute(burn).fetchone()
        other_after = server.services_cpu_seconds("no_such_database")
    assert after["PostgreSQL"] - before["PostgreSQL"] >= 0.1
    # Only the shared WAL writer / checkpointer may tick meanwhile, far less than the query's work.
    assert other_after["PostgreSQL"] - other_before["PostgreSQL"] < 0.1
    assert server.services_cpu_seconds(None)["PostgreSQL"] == 0
