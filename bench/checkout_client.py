"""Concurrent shoppers placing cash-on-delivery orders through the real forms (CSRF included)."""

import html
import http.client
import random
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

#: What a shopper types into fields, by field name; anything else text-like gets "bench".
ANSWERS = {
    "contact_name": "Nguyễn Văn An",
    "full_name": "Nguyễn Văn An",
    "name": "Nguyễn Văn An",
    "email": "",
    "street": "Số 1 đường Hoàng Văn Thụ",
    "note": "",
    "quantity": "1",
}
PAYMENT_PREFERENCE = "cod"
MAX_STEPS = 6
MAX_REDIRECTS = 10
#: The first error or flash message on a page, to say why a flow stopped.
MESSAGE = re.compile(r'class="[^"]*(?:error|flash|alert|invalid)[^"]*"[^>]*>\s*([^<]{1,160})')
#: Forms on checkout pages that are not the next step.
SKIPPED_ACTIONS = ("cart", "lang", "logout", "cancel", "search")


_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
_FIELD = re.compile(
    r"<input\b([^>]*)>|<select\b([^>]*)>(.*?)</select>|<textarea\b([^>]*)>(.*?)</textarea>", re.S | re.I
)
_OPTION = re.compile(r"<option\b([^>]*)>", re.I)
_ATTR = re.compile(r"""([\w:-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")


def _attrs(text: str) -> dict:
    return {
        name.lower(): html.unescape(double or single or bare or "")
        for name, double, single, bare in _ATTR.findall(text)
    }


def parse_forms(page: str) -> list[dict]:
    """Collect each <form>'s method, action and fields (inputs, selects, textareas).

    Regular expressions over the shop's own markup rather than html.parser: the parser's
    per-tag Python callbacks made the 8-client checkout bench spend more CPU in the client
    than in the shop (BENCHMARKS.md, checkout).
    """
    forms = []
    for form_attrs, body in _FORM.findall(page):
        a = _attrs(form_attrs)
        fields = []
        for input_attrs, select_attrs, options, textarea_attrs, text in _FIELD.findall(body):
            if input_attrs:
                f = _attrs(input_attrs)
                if f.get("name"):
                    fields.append(
                        {
                            "tag": "input",
                            "type": (f.get("type") or "text").lower(),
                            "name": f["name"],
                            "value": f.get("value") or "",
                            "checked": "checked" in f,
                        }
                    )
            elif select_attrs:
                f = _attrs(select_attrs)
                if f.get("name"):
                    values, selected = [], None
                    for option in _OPTION.findall(options):
                        o = _attrs(option)
                        values.append(o.get("value") or "")
                        if "selected" in o:
                            selected = values[-1]
                    fields.append(
                        {"tag": "select", "type": "select", "name": f["name"], "options": values, "selected": selected}
                    )
            else:
                f = _attrs(textarea_attrs)
                if f.get("name"):
                    fields.append(
                        {"tag": "textarea", "type": "textarea", "name": f["name"], "value": html.unescape(text)}
                    )
        forms.append({"method": (a.get("method") or "get").lower(), "action": a.get("action") or "", "fields": fields})
    return forms


def fill_form(form: dict, phone: str) -> dict:
    """Return the values a shopper would submit: defaults kept, blanks answered, COD chosen."""
    values, radios = {}, {}
    for f in form["fields"]:
        name, kind = f["name"], f["type"]
        if kind in ("submit", "button", "image", "reset", "file"):
            continue
        if kind == "radio":
            radios.setdefault(name, []).append(f)
        elif kind == "checkbox":
            if f["checked"]:
                values[name] = f["value"] or "y"
        elif kind == "select":
            real = [o for o in f["options"] if o not in ("", "0")]
            values[name] = f["selected"] if f["selected"] not in (None, "", "0") else (real[0] if real else "")
        elif kind == "hidden" or f["value"]:
            values[name] = f["value"]
        elif "phone" in name:
            values[name] = phone
        else:
            values[name] = ANSWERS.get(name, "bench")
    for name, options in radios.items():
        chosen = next((o for o in options if o["value"] == PAYMENT_PREFERENCE), None)
        chosen = chosen or next((o for o in options if o["checked"]), options[0])
        values[name] = chosen["value"]
    return values


@dataclass
class OrdersResult:
    placed: int = 0
    failed: int = 0
    seconds: float = 0.0
    p50_ms: float | None = None
    p95_ms: float | None = None
    first_error: str = ""
    latencies: list = field(default_factory=list)


class Shopper:
    """One browser: its own kept-alive connection and cookies, following redirects.

    http.client on one connection per shopper instead of urllib (a new TCP connection and
    handler chain per request): the client must cost far less than the shop it measures.
    """

    def __init__(self, base_url: str):
        self.base_url = base_url
        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.cookies: dict[str, str] = {}
        self.connection = None

    def request(self, path_or_url: str, data: dict | None = None) -> tuple[str, str]:
        url = urllib.parse.urljoin(self.base_url, path_or_url)
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        for _hop in range(MAX_REDIRECTS):
            status, location, text = self._send("POST" if body is not None else "GET", url, body)
            if status in (301, 302, 303, 307, 308) and location:
                url = urllib.parse.urljoin(url, location)
                if status in (301, 302, 303):
                    body = None
                continue
            if status >= 400:
                raise RuntimeError(f"HTTP {status} at {urllib.parse.urlsplit(url).path}")
            return url, text
        raise RuntimeError(f"more than {MAX_REDIRECTS} redirects from {path_or_url}")

    def _send(self, method: str, url: str, body: bytes | None) -> tuple[int, str, str]:
        parts = urllib.parse.urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {"Accept-Encoding": "identity"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):  # a kept-alive connection the server closed meanwhile: open a new one once
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.connection.request(method, target, body=body, headers=headers)
                response = self.connection.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or ():
            pair, _, attributes = header.partition(";")
            name, _, value = pair.strip().partition("=")
            if value and "max-age=0" not in attributes.lower():
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
            self.connection = None
        return response.status, response.getheader("Location") or "", text

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def submit(self, page_url: str, form: dict, phone: str) -> tuple[str, str]:
        return self.request(urllib.parse.urljoin(page_url, form["action"] or page_url), fill_form(form, phone))

    def buy(self, slug: str, phone: str) -> str:
        """Add one unit to the cart and walk the checkout; return the order page URL."""
        url, page = self.request(f"/products/{slug}")
        cart_forms = [f for f in parse_forms(page) if f["method"] == "post" and "cart" in f["action"]]
        if not cart_forms:
            raise RuntimeError(f"no add-to-cart form on /products/{slug}")
        self.submit(url, cart_forms[0], phone)
        url, page = self.request("/checkout")
        for _ in range(MAX_STEPS):
            forms = [
                f
                for f in parse_forms(page)
                if f["method"] == "post" and not any(word in f["action"] for word in SKIPPED_ACTIONS)
            ]
            if not forms:
                break
            # The review page also offers "cancel"; the step forward is "place" when it is there.
            form = next((f for f in forms if "place" in f["action"]), forms[-1])
            url, page = self.submit(url, form, phone)
            if "/orders/" in url or "/order/" in url:
                return url
        found = MESSAGE.search(page)
        said = f': "{found.group(1).strip()}"' if found else ""
        raise RuntimeError(f"checkout did not reach an order page (stopped at {url}{said})")


#: What a shopper can buy all run long: published, its producer approved, more units than a run orders.
_BUYABLE = (
    "SELECT p.slug FROM products p JOIN producers pr ON pr.id = p.producer_id "
    "JOIN stocks s ON s.product_id = p.id WHERE p.is_published AND NOT p.is_hidden "
    "AND pr.status = 'approved' AND s.on_hand - s.reserved > 50"
)


def buyable_slugs(url: str, among: list[str] | None = None, limit: int = 300) -> list[str]:
    """Slugs of products that stay buyable through a run, from the database at `url`.

    among: keep only these (in their order); else the first `limit` by id. A sold-out product's page
    rightly has no add-to-cart form (a tenth of the dataset's products have no stock).
    """
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if among is None:
                return list(conn.scalars(text(_BUYABLE + " ORDER BY p.id LIMIT :n"), {"n": limit}))
            found = set(conn.scalars(text(_BUYABLE + " AND p.slug = ANY(:slugs)"), {"slugs": list(among)}))
    finally:
        engine.dispose()
    return [slug for slug in among if slug in found]


def place_orders(base_url: str, slugs: list[str], *, clients: int, seconds: float) -> OrdersResult:
    """Run `clients` shoppers buying for `seconds`; count the orders that reached their page."""
    result, lock = OrdersResult(), threading.Lock()
    deadline = time.monotonic() + seconds

    def shopper(n: int):
        rng = random.Random(n)
        while time.monotonic() < deadline:
            started = time.perf_counter()
            buyer = Shopper(base_url)  # a new shopper (empty cart, no cookies) per order, on its own connection
            try:
                # 090–098: every such number is a valid mobile; some 099 ones are not (the shop refuses them).
                buyer.buy(rng.choice(slugs), f"09{rng.randrange(9)}{rng.randrange(10**7):07d}")
            except (RuntimeError, OSError, http.client.HTTPException) as exc:
                with lock:
                    result.failed += 1
                    result.first_error = result.first_error or f"{type(exc).__name__}: {exc}"[:200]
                continue
            finally:
                buyer.close()
            with lock:
                result.placed += 1
                result.latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    threads = [threading.Thread(target=shopper, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.perf_counter() - started
    if result.latencies:
        ordered = sorted(result.latencies)
        result.p50_ms = ordered[len(ordered) // 2]
        result.p95_ms = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return result
