"""Concurrent shoppers placing cash-on-delivery orders through the real forms (CSRF included)."""

import http.cookiejar
import random
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser

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
#: The first error or flash message on a page, to say why a flow stopped.
MESSAGE = re.compile(r'class="[^"]*(?:error|flash|alert|invalid)[^"]*"[^>]*>\s*([^<]{1,160})')
#: Forms on checkout pages that are not the next step.
SKIPPED_ACTIONS = ("cart", "lang", "logout", "cancel", "search")


class FormParser(HTMLParser):
    """Collect each <form>'s method, action and fields (inputs, selects, textareas)."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select, self._textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"method": (a.get("method") or "get").lower(), "action": a.get("action") or "", "fields": []}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            self._form["fields"].append(
                {
                    "tag": "input",
                    "type": (a.get("type") or "text").lower(),
                    "name": a["name"],
                    "value": a.get("value") or "",
                    "checked": "checked" in a,
                }
            )
        elif tag == "textarea" and a.get("name"):
            self._textarea = {"tag": "textarea", "type": "textarea", "name": a["name"], "value": ""}
            self._form["fields"].append(self._textarea)
        elif tag == "select" and a.get("name"):
            self._select = {"tag": "select", "type": "select", "name": a["name"], "options": [], "selected": None}
            self._form["fields"].append(self._select)
        elif tag == "option" and self._select is not None:
            value = a.get("value") or ""
            self._select["options"].append(value)
            if "selected" in a:
                self._select["selected"] = value

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["value"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def parse_forms(html: str) -> list[dict]:
    parser = FormParser()
    parser.feed(html)
    return parser.forms


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
    """One browser: a cookie jar, following redirects."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def request(self, path_or_url: str, data: dict | None = None) -> tuple[str, str]:
        url = urllib.parse.urljoin(self.base_url, path_or_url)
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        with self.opener.open(url, data=body, timeout=60) as response:
            return response.geturl(), response.read().decode("utf-8", "replace")

    def submit(self, page_url: str, form: dict, phone: str) -> tuple[str, str]:
        return self.request(urllib.parse.urljoin(page_url, form["action"] or page_url), fill_form(form, phone))

    def buy(self, slug: str, phone: str) -> str:
        """Add one unit to the cart and walk the checkout; return the order page URL."""
        url, html = self.request(f"/products/{slug}")
        cart_forms = [f for f in parse_forms(html) if f["method"] == "post" and "cart" in f["action"]]
        if not cart_forms:
            raise RuntimeError(f"no add-to-cart form on /products/{slug}")
        self.submit(url, cart_forms[0], phone)
        url, html = self.request("/checkout")
        for _ in range(MAX_STEPS):
            forms = [
                f
                for f in parse_forms(html)
                if f["method"] == "post" and not any(word in f["action"] for word in SKIPPED_ACTIONS)
            ]
            if not forms:
                break
            # The review page also offers "cancel"; the step forward is "place" when it is there.
            form = next((f for f in forms if "place" in f["action"]), forms[-1])
            url, html = self.submit(url, form, phone)
            if "/orders/" in url or "/order/" in url:
                return url
        found = MESSAGE.search(html)
        said = f': "{found.group(1).strip()}"' if found else ""
        raise RuntimeError(f"checkout did not reach an order page (stopped at {url}{said})")


def place_orders(base_url: str, slugs: list[str], *, clients: int, seconds: float) -> OrdersResult:
    """Run `clients` shoppers buying for `seconds`; count the orders that reached their page."""
    result, lock = OrdersResult(), threading.Lock()
    deadline = time.monotonic() + seconds

    def shopper(n: int):
        rng = random.Random(n)
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                # 090–098: every such number is a valid mobile; some 099 ones are not (the shop refuses them).
                Shopper(base_url).buy(rng.choice(slugs), f"09{rng.randrange(9)}{rng.randrange(10**7):07d}")
            except (RuntimeError, OSError, urllib.error.HTTPError) as exc:
                with lock:
                    result.failed += 1
                    result.first_error = result.first_error or f"{type(exc).__name__}: {exc}"[:200]
                continue
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
