"""Origin pages: what a scan of a resolved code shows and counts, the scan rate limit, the producer's preview."""

from flask import abort, current_app, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required

from storefront.accounts.models import Role
from storefront.catalog.models import ProducerStatus
from storefront.clock import today_vn
from storefront.extensions import db
from storefront.filters import url_for_lang
from traceability.blueprint import bp
from traceability.errors import NotRegistered
from traceability.http import with_link_header
from traceability.models import Batch
from traceability.origin import description, facts, page
from traceability.scans import recording
from traceability.scans.buffer import buffered, scan_buffer

#: environ keys set by the scan fast path (fast_path.py) for a request it leaves to Flask; no
#: client can set one (a server puts request headers under HTTP_*). A request whose rate limit
#: it counted already (Flask-Limiter must not count it again), and a code its look-up did not
#: find (answered 404 without looking again).
SCAN_LIMIT_COUNTED = "ocop.scan.limit_counted"
SCAN_NOT_REGISTERED = "ocop.scan.not_registered"


def scan_limit():
    return current_app.config.get("RATELIMIT_SCAN", "60 per minute")


def scan_limit_exempt() -> bool:
    return request.method == "OPTIONS" or SCAN_LIMIT_COUNTED in request.environ


def answer_scan(lookup: dict, anchor_path: str):
    """Answer a scan with its origin page, counting the scan: the one entry point of the origin page's routes.

    :raises NotRegistered: if no published lot (or stamp) has the code; the scan fast path may
        have found that already (SCAN_NOT_REGISTERED).
    """
    if SCAN_NOT_REGISTERED in request.environ:
        raise NotRegistered(anchor_path)
    generation = page.scan_generation()
    hit = facts.find_origin(**lookup, device=page.request_device()[0], raw=buffered())
    return _origin_page(hit, anchor_path, generation)


def _origin_page(hit: facts.OriginHit, anchor_path: str, generation: int | None):
    """Render the origin page: cached description of the batch, live recall, standing and counters.

    A scan costs the look-up query; the scan itself is queued for the worker's scan writer
    (scans/buffer.py), or with SCAN_WRITE_MODE=immediate written here with one UPDATE … RETURNING
    and one INSERT. The page touches neither the signed-in user nor the session unless a form
    with a CSRF token is shown.
    """
    view = page.origin_view(hit.batch_id, hit.in_programme, hit.origin_version)
    buffer = scan_buffer() if buffered() else None
    counts = request.method == "GET" and page.is_scan(request.environ)  # a HEAD or another page's image is not
    if counts and buffer is None:
        recording.relax_commit_durability()  # this transaction writes nothing but the scan
    device, day = page.request_device()
    code = page.request_raw_path() + (
        f"?{request.query_string.decode('utf-8', 'replace')}" if request.query_string else ""
    )
    scan = page.ScanRequest(
        device=device,
        day=day,
        region=page.request_region(),
        user_agent=request.user_agent.string,
        check_regions=bool(page.region_header()),
        code=code[:300],
        counts=counts,
    )
    body = page.answer_scan(
        view,
        hit,
        scan,
        buffer=buffer,
        generation=generation,
        threshold=current_app.config.get("SCAN_WARNING_THRESHOLD", 20),
        lang_url=page.lang_link,
        report_url=lambda: page.report_link(scan.code),
    )
    if buffer is None:
        db.session.commit()
    response = current_app.make_response(body)
    if buffer is not None and buffer.due():
        # Once the answer is sent, in this request's thread; skipped if another thread is writing.
        response.call_on_close(lambda: buffer.flush(wait=False))
    return with_link_header(response, anchor_path)


@bp.route("/trace/preview/<int:batch_id>")
@login_required
def preview(batch_id):
    """The batch's origin page as a scan will show it, for its producer (or the office); counts nothing."""
    batch = db.get_or_404(Batch, batch_id)
    producer = batch.product.producer
    if current_user.role is not Role.OFFICE and producer.owner_id != current_user.id:
        abort(404)
    in_programme = producer.status is ProducerStatus.APPROVED and not batch.product.is_hidden
    view = description.build(description.load(batch.id), in_programme, today_vn(), str(get_locale()))
    hit = facts.OriginHit(
        batch_id=batch.id,
        in_programme=in_programme,
        recalled_at=batch.recalled_at,
        recall_reason=batch.recall_reason,
        stamp=None,
    )
    html = page.render_light(
        "traceability/origin.html",
        view=view,
        hit=hit,
        warning=None,
        stamp=None,
        first_scan_day=None,
        report_url=url_for("traceability.report"),
        pin_form=None,
        preview_of=batch,
        url_for_lang=url_for_lang,
    )
    response = current_app.make_response(html)
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Cache-Control"] = "private, no-store"
    return response
