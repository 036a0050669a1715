"""Sections of the site's search page beyond products (articles now; events or points of sale later).

The search page (/products?q=…, catalog's template) shows, under the product results, one section
per registered finder that finds something. A package on any floor adds its section without the
catalogue knowing it, from its blueprint:

    bp.record_once(lambda state: site_search.register(
        state.app, key="articles", title=_l("Bài viết"), template="articles/_search.html",
        find=lambda query: queries.search(query, limit=5)))

`find(query)` returns a short list (it runs on every search, so keep it to one indexed or small
query); the template receives `section` (key, title, items) and `query`. A finder that raises is
logged and its section left out: a broken section never breaks product search.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app


@dataclass(frozen=True)
class Finder:
    key: str
    title: object  # a (lazy) translated string
    template: str
    find: Callable[[str], list]


@dataclass(frozen=True)
class Section:
    key: str
    title: object
    template: str
    items: list


def register(app, *, key: str, title, template: str, find: Callable[[str], list]) -> None:
    """Add a section to the search page of `app` (once per key), in registration order."""
    finders = app.extensions.setdefault("site_search", {})
    finders[key] = Finder(key=key, title=title, template=template, find=find)
    if "site_search_sections" not in app.jinja_env.globals:
        app.add_template_global(sections, "site_search_sections")


def sections(query: str) -> list[Section]:
    """The non-empty sections for a search query, for the search page's template."""
    if not (query or "").strip():
        return []
    found = []
    for finder in current_app.extensions.get("site_search", {}).values():
        try:
            items = finder.find(query)
        except Exception:
            current_app.logger.exception("site search section %s failed", finder.key)
            continue
        if items:
            found.append(Section(key=finder.key, title=finder.title, template=finder.template, items=list(items)))
    return found
