"""Jinja filters: money in đồng, Vietnamese dates, phone numbers, stars."""

from datetime import date, datetime
from functools import lru_cache
from urllib.parse import urlencode

from flask import current_app, g, has_app_context, has_request_context, render_template, request, url_for
from flask_babel import get_locale, get_translations, gettext, lazy_pgettext
from markupsafe import Markup

from storefront.text import display_phone


def vnd(amount) -> str:
    """Format whole đồng as '120.000 ₫' (dot groups, no-break space, U+20AB)."""
    if amount is None:
        return ""
    # What Babel's format_decimal(…, locale="vi") gives for whole numbers (tests/unit/test_text_and_formats.py
    # compares them), without loading Babel's Vietnamese locale data into every worker on the first price.
    return f"{int(amount):,}".replace(",", ".") + "\u00a0₫"


def dmy(value) -> str:
    """Format a date or datetime day/month/year, datetimes in Vietnam time."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        from flask_babel import to_user_timezone

        return to_user_timezone(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return f"{value.day:02d}/{value.month:02d}/{value.year}"  # strftime("%d/%m/%Y"), a fifth of its cost
    return str(value)


def month(value) -> str:
    """Name a calendar month in the page's language: 'Tháng 10/2026', 'October 2026' (a date or 'YYYY-MM')."""
    if isinstance(value, str):
        year, number = value.split("-")[:2]
        value = date(int(year), int(number), 1)
    from flask_babel import format_date

    # Babel's stand-alone month name ("Tháng 10", "October"), the year after it as each language writes it.
    return gettext("%(month)s/%(year)s", month=format_date(value, "LLLL"), year=value.year)


def month_short(value) -> str:
    """A calendar month in figures, '10/2026' (a date or 'YYYY-MM'): a chart label on a phone, one line."""
    if isinstance(value, str):
        year, number = value.split("-")[:2]
        return f"{int(number):02d}/{year}"
    return f"{value.month:02d}/{value.year}"


def decision(certificate) -> str:
    """Name a certificate's decision: number and day, or only the year when no source gives more."""
    if certificate.decision_day_known:
        return gettext(
            "Quyết định số %(n)s ngày %(d)s", n=certificate.decision_number, d=dmy(certificate.decision_date)
        )
    return gettext(
        "Công nhận năm %(y)s (nguồn công bố không nêu số và ngày quyết định)", y=certificate.decision_date.year
    )


def expiry(certificate) -> str:
    """Say when a certificate's validity ends: 'ngày 05/03/2026', or 'trong năm 2026' when only the year is known."""
    if certificate.decision_day_known:
        return gettext("ngày %(d)s", d=dmy(certificate.valid_until))
    return gettext("trong năm %(y)s", y=certificate.valid_until.year)


def stars(count) -> Markup:
    """Render n filled stars with an accessible label."""
    count = int(count or 0)
    return Markup('<span class="stars" aria-hidden="true">{}</span>').format("★" * count)


def page_translations():
    """Return the translations of the current locale, looked up once per request and locale.

    Flask-Babel's own template gettext looks them up on every call (its request context three
    times, the locale's name once), and a page makes dozens of calls (BENCHMARKS.md, checkout).
    Keyed by the Locale object, so force_locale (a mail in the order's language) and
    flask_babel.refresh() still switch it.
    """
    if not has_app_context():
        return get_translations()
    locale = get_locale()
    cached = g.get("page_translations")
    if cached is None or cached[0] is not locale:
        cached = g.page_translations = (locale, get_translations())
    return cached[1]


def site_footer() -> Markup:
    """Return the footer of every page (the seller's identity, help and policy links) in the page's language.

    It shows only settings, translated text and links to fixed pages, so it is rendered once per
    app, language and mount point, not on every page (BENCHMARKS.md, checkout).
    """
    script_root = request.script_root if has_request_context() else ""
    return _rendered_footer(current_app._get_current_object(), str(get_locale()), script_root)


@lru_cache(maxsize=16)
def _rendered_footer(app, locale: str, script_root: str) -> Markup:
    return Markup(render_template("_footer.html"))


#: The selling units producers type most (the product form's hint says "hộp, gói, chai…"), so an English
#: page reads "600.000 ₫ / box", not "/ hộp". Any other unit shows as entered, marked lang="vi".
_SELLING_UNITS = {
    "hộp": lazy_pgettext("đơn vị bán", "hộp"),
    "gói": lazy_pgettext("đơn vị bán", "gói"),
    "chai": lazy_pgettext("đơn vị bán", "chai"),
    "túi": lazy_pgettext("đơn vị bán", "túi"),
    "hũ": lazy_pgettext("đơn vị bán", "hũ"),
    "lọ": lazy_pgettext("đơn vị bán", "lọ"),
    "bình": lazy_pgettext("đơn vị bán", "bình"),
    "viên": lazy_pgettext("đơn vị bán", "viên"),
    "kg": lazy_pgettext("đơn vị bán", "kg"),
    "khách": lazy_pgettext("đơn vị bán", "khách"),
}


def selling_unit(unit) -> Markup:
    """A product's selling unit in the page's language when it is a common one, else as entered (lang="vi")."""
    text = (unit or "").strip()
    known = _SELLING_UNITS.get(text.lower())
    if known is not None:
        return Markup("{}").format(str(known))
    return Markup('<span lang="vi">{}</span>').format(text)


def register(app):
    # Replaces the callables Flask-Babel installed (same behaviour, translations looked up once).
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: page_translations().ugettext(s),
        ngettext=lambda s, p, n: page_translations().ungettext(s, p, n),
        pgettext=lambda c, s: page_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: page_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.add_template_filter(vnd)
    app.add_template_filter(dmy)
    app.add_template_filter(month)
    app.add_template_filter(month_short)
    app.add_template_filter(stars)
    app.add_template_filter(decision)
    app.add_template_filter(expiry)
    app.add_template_filter(selling_unit)
    app.add_template_filter(display_phone, "phone")

    @app.context_processor
    def inject_globals():
        return {
            "current_locale": str(get_locale()),
            "shop": {
                "legal_name": current_app.config["SHOP_LEGAL_NAME"],
                "address": current_app.config["SHOP_ADDRESS"],
                "business_reg": current_app.config["SHOP_BUSINESS_REG"],
                "phone": current_app.config["SHOP_PHONE"],
                "email": current_app.config["SHOP_EMAIL"],
            },
            "url_for_lang": url_for_lang,
            "site_footer": site_footer,
            "modify_query": modify_query,
            # Lets shared templates link to a feature only when its route is registered.
            "endpoints": current_app.view_functions,
        }


def url_with_query(endpoint: str, path_values: dict | None, query) -> str:
    """Return url_for(endpoint, **path_values) with *query* (pairs or a dict) appended as the query string.

    Query keys never reach url_for as keywords: a visitor's ?endpoint=, ?_method=, ?_external=
    or a key named like a path value (?slug=) would clash with url_for's own arguments.
    Empty values (None, "") are left out.
    """
    pairs = query.items() if isinstance(query, dict) else query
    pairs = [(key, value) for key, value in pairs if value not in (None, "")]
    url = url_for(endpoint, **(path_values or {}))
    # The same quoting as url_for's own query strings (werkzeug.routing's urlencode).
    return url + "?" + urlencode(pairs, safe="!$'()*,/:;?@") if pairs else url


def modify_query(**changes) -> str:
    """Return the current URL with some query parameters changed (None removes one)."""
    args = request.args.to_dict()
    args.update(changes)
    return url_with_query(request.endpoint, request.view_args, args)


def url_for_lang(lang: str) -> str:
    """Return the current page's URL in another language."""
    args = request.args.to_dict()
    args["lang"] = lang
    if request.endpoint and request.url_rule and not request.url_rule.arguments - set(request.view_args or {}):
        try:
            return url_with_query(request.endpoint, request.view_args, args)
        except Exception:  # an endpoint that cannot be rebuilt falls back to home
            pass
    return url_for("main.index", lang=lang)
