"""Goals, ratios, the printed table, JSON results, the ratio plot and BENCHMARKS.md."""

import json
import os
import platform
import re
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = Path(__file__).resolve().parent / "results"
FONT = ROOT / "static" / "fonts" / "DejaVuSans.ttf"


@dataclass(frozen=True)
class Goal:
    """A figure a row is held against (reported, never asserted)."""

    metric: str  # "ratio", "p95_ms" or "memory_mb"
    op: str  # ">=", "<", "<="
    limit: float
    text: str


#: Row name prefix -> goal, from issue 8.
GOALS = (
    ("catalogue page", Goal("ratio", ">=", 0.40, "≥ 40% of baseline")),
    ("product page", Goal("ratio", ">=", 0.40, "≥ 40% of baseline")),
    ("origin page", Goal("ratio", ">=", 0.50, "≥ 50% of baseline")),
    ("search", Goal("p95_ms", "<", 50, "p95 < 50 ms")),
    ("stamp issue", Goal("ratio", "<=", 2.0, "≤ 2× raw QR")),
    ("worker peak RSS", Goal("memory_mb", "<", 200, "< 200 MB")),
)


def goal_for(name: str) -> Goal | None:
    return next((goal for prefix, goal in GOALS if name.startswith(prefix)), None)


def goal_met(goal: Goal | None, row: dict) -> bool | None:
    """Say whether a row meets its goal; None when it has no goal or no figure."""
    if goal is None:
        return None
    if row.get("vs_baseline") and row.get("rps") == 0:
        return False  # nothing answered within wrk's timeout
    if row.get(goal.metric) is None:
        return None
    value = row[goal.metric]
    return {">=": value >= goal.limit, "<": value < goal.limit, "<=": value <= goal.limit}[goal.op]


def apply_ratios(rows: list[dict], baseline_rps: float | None) -> None:
    """Fill `ratio` = requests/s ÷ baseline requests/s for rows compared with the baseline that have no ratio
    yet; a row measured in windows paired with the baseline keeps its own (see load.run_paired)."""
    for row in rows:
        if row.get("vs_baseline") and row.get("ratio") is None and row.get("rps") is not None and baseline_rps:
            row["ratio"] = row["rps"] / baseline_rps


def annotate(rows: list[dict], previous: dict | None) -> None:
    """Add goal text, whether it is met, and the change since the previous run, to each row."""
    before = {r["name"]: r for r in (previous or {}).get("rows", [])}
    for row in rows:
        goal = goal_for(row["name"])
        row["goal"] = goal.text if goal else ""
        row["goal_met"] = goal_met(goal, row)
        row["change"] = change(before.get(row["name"]), row)


def change(old: dict | None, new: dict) -> str:
    """Describe the change of the row's main figure since the previous run, e.g. "+12% req/s"."""
    if not old:
        return ""
    for key, label in (("rps", "req/s"), ("p95_ms", "p95")):
        if old.get(key) and new.get(key):
            return f"{(new[key] / old[key] - 1) * 100:+.0f}% {label}"
    return ""


def _fmt(value, digits=1, suffix="") -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and value >= 100:
        return f"{value:,.0f}{suffix}"
    return f"{value:,.{digits}f}{suffix}"


def _ratio(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if value < 0.1 else f"{value:.2f}"


def table_lines(rows: list[dict], markdown: bool = False) -> list[str]:
    """Return the result table as aligned text, or as a Markdown table."""
    head = ["measurement", "req/s", "p50 ms", "p95 ms", "ratio", "memory MB", "goal", "vs previous", "note"]
    body = []
    for row in rows:
        if row.get("skipped"):
            body.append(
                [row["name"], "", "", "", "", "", row.get("goal", ""), "", f"not available yet: {row['skipped']}"]
            )
            continue
        met = {True: " ✓", False: " ✗ MISSED", None: ""}[row.get("goal_met")]
        ratio = _ratio(row.get("ratio"))
        body.append(
            [
                row["name"],
                _fmt(row.get("rps")),
                _fmt(row.get("p50_ms")),
                _fmt(row.get("p95_ms")),
                ratio,
                _fmt(row.get("memory_mb"), 0),
                (row.get("goal", "") + met).strip(),
                row.get("change", ""),
                row.get("note", ""),
            ]
        )
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in r) + " |" for r in body]
        return lines
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head) - 1)]

    def fmt(r):
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))) + "  " + r[-1]

    return [fmt(head), "-" * (sum(widths) + 2 * len(widths) + 4), *map(fmt, body)]


def machine() -> dict:
    """Describe the machine: CPU model, cores, RAM, kernel and Python."""
    cpu = "unknown"
    try:
        match = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        cpu = match.group(1).strip() if match else cpu
    except OSError:
        pass
    ram_gb = None
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        ram_gb = round(kb / 1024 / 1024, 1)
    except (OSError, AttributeError):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": ram_gb,
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def engine_of(run: dict) -> str:
    return "postgresql" if run["database"].startswith("PostgreSQL") else "sqlite"


def load_latest(mode: str, engine: str) -> dict | None:
    """Return the latest complete run of this mode on this database engine, if any."""
    latest = RESULTS_DIR / f"latest-{mode}-{engine}.json"
    try:
        return json.loads(latest.read_text())
    except (OSError, ValueError):
        return None


def write_results(run: dict, *, latest: bool = True) -> Path:
    """Write the run as results/<timestamp>-<mode>.json, and as latest.json and latest-<mode>.json."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{run['started_at'].replace(':', '').replace('-', '')[:15]}-{run['mode']}.json"
    text = json.dumps(run, indent=2, ensure_ascii=False)
    path.write_text(text)
    if latest:
        (RESULTS_DIR / "latest.json").write_text(text)
        (RESULTS_DIR / f"latest-{run['mode']}-{engine_of(run)}.json").write_text(text)
    return path


def plot_ratios(rows: list[dict], path: Path, title: str) -> Path | None:
    """Draw a horizontal bar per row with a ratio, with its goal as a tick; return the PNG path."""
    from PIL import Image, ImageDraw, ImageFont

    bars = [r for r in rows if r.get("ratio") is not None]
    if not bars:
        return None
    font = ImageFont.truetype(str(FONT), 14) if FONT.exists() else ImageFont.load_default()
    label_w, bar_w, row_h, top = 330, 520, 30, 50
    scale_max = max(1.0, max(r["ratio"] for r in bars) * 1.1)
    image = Image.new("RGB", (label_w + bar_w + 120, top + row_h * len(bars) + 40), "white")
    draw = ImageDraw.Draw(image)
    draw.text((10, 12), title, fill="black", font=font)
    x0 = label_w
    for i, row in enumerate(bars):
        y = top + i * row_h
        colour = {True: (46, 125, 50), False: (198, 40, 40), None: (96, 125, 139)}[row.get("goal_met")]
        width = int(bar_w * row["ratio"] / scale_max)
        draw.rectangle([x0, y + 4, x0 + max(width, 1), y + row_h - 6], fill=colour)
        draw.text((10, y + 6), row["name"][:44], fill="black", font=font)
        suffix = "× raw QR" if row["name"].startswith(("stamp", "raw")) else "× baseline"
        draw.text((x0 + width + 6, y + 6), f"{_ratio(row['ratio'])}{suffix}", fill="black", font=font)
        goal = goal_for(row["name"])
        if goal and goal.metric == "ratio":
            gx = x0 + int(bar_w * goal.limit / scale_max)
            draw.line([gx, y + 1, gx, y + row_h - 3], fill="black", width=2)
    base_y = top + row_h * len(bars) + 8
    one = x0 + int(bar_w / scale_max)
    draw.line([one, top, one, base_y], fill=(160, 160, 160))
    draw.text(
        (x0, base_y + 4), "green: goal met · red: missed · grey: no goal · black tick: goal", fill="black", font=font
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path


def benchmarks_markdown(runs: list[dict]) -> str:
    """Return BENCHMARKS.md: how to run, then each run's machine, dataset and table."""
    lines = [
        "# Benchmarks",
        "",
        "Produced by `make bench` (`python -m bench.run`; `BENCH_DATABASE_URL=postgresql+psycopg://…/h_bench`",
        "for the PostgreSQL leg; `make bench-quick` for a quick smoke version). Every figure of a table",
        "comes from one run. Pages are compared as a ratio to the bare Flask baseline (`bench/baseline_app.py`)",
        "served the same way and measured in short wrk windows alternating with each page's (baseline, page,",
        "page, baseline, repeated), so both see the same machine at the same time. Goals are reported, never asserted.",
        "Raw results: `bench/results/` (JSON per run, `latest-full-<engine>.json`, a PNG plot of the ratios per run).",
        "",
    ]
    for run in runs:
        lines += _run_markdown(run)
    return "\n".join(lines)


def _run_markdown(run: dict) -> list[str]:
    m, ds = run["machine"], run["dataset"]
    lines = [
        f"## {run['database'].split(' (')[0]}: latest full run {run['started_at']}",
        "",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, Linux {m['kernel']}, Python {m['python']}",
        f"- Load from other processes: {_load(run.get('load_average'))}",
        f"- Database: {run['database']}",
        f"- Serving: {run['serving']}; load: {run['load']}",
        f"- Dataset: {ds['rows']['products']:,} products, {ds['rows']['producers']:,} producers, "
        f"{ds['rows']['batches']:,} batches, {ds['rows']['stamps']:,} stamps, {ds['rows']['certificates']:,} certificates, "
        f"{ds['rows']['trace_events']:,} trace events, {ds['rows']['scans']:,} scans; "
        f"{ds['size_mb']:.0f} MB; "
        + ("cached from an earlier run" if ds["cached"] else f"built in {ds['build_seconds']:.1f} s"),
        f"- Search index: {run['search_index']}",
        f"- Baseline: {run['baseline_note']}",
        f"- Shop server log during the run: {problems_text(run.get('server_problems') or {})}",
        "",
        *table_lines(run["rows"], markdown=True),
        "",
    ]
    return lines


def _load(load: dict | None) -> str:
    if not load:
        return "not recorded"
    return f"1-minute load average {load['start']:.1f} at the start, {load['end']:.1f} at the end"


def problems_text(problems: dict) -> str:
    if not any(problems.values()):
        return "no unhandled exception, no worker died"
    return (
        f"{problems.get('exceptions', 0)} unhandled exceptions, {problems.get('worker_deaths', 0)} worker deaths, "
        f"{problems.get('worker_timeouts', 0)} worker timeouts (see bench/.data/gunicorn-shop.log)"
    )


def row_dicts(rows) -> list[dict]:
    return [asdict(r) for r in rows]
