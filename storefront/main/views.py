"""Home, policy pages, language switch and the health check."""

from flask import abort, current_app, jsonify, redirect, render_template, session

from storefront.catalog.indexing import listing_cache
from storefront.catalog.page_cache import cached_page
from storefront.catalog.services import home_sections
from storefront.checkout import providers
from storefront.main import bp
from storefront.main.health import database_answers, scan_queue_state
from storefront.request_input import safe_next

POLICY_PAGES = ("terms", "privacy", "returns", "shipping", "payment", "about", "demo")


@bp.route("/")
@cached_page
def index():
    return render_template("main/index.html", **home_sections(cache=listing_cache()))


@bp.route("/pages/<name>")
def page(name):
    if name not in POLICY_PAGES:
        abort(404)
    # The payment page lists the methods this shop has configured, as checkout offers them.
    methods = providers.available(current_app.config) if name == "payment" else {}
    return render_template(f"main/pages/{name}.html", name=name, methods=methods)


@bp.route("/lang/<code>")
def set_language(code):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = code
    return redirect(safe_next())


@bp.route("/healthz")
def healthz():
    database = "ok" if database_answers() else "unreachable"
    status = 200 if database == "ok" else 503
    body = {"status": "ok" if status == 200 else "degraded", "database": database}
    if current_app.config.get("SCAN_WRITE_MODE") == "queue":
        # For monitoring, not the load balancer's verdict: a stuck drain is no reason to stop serving pages.
        body["scan_queue"] = scan_queue_state()
    return jsonify(body), status
