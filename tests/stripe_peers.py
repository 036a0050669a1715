"""Loopback Stripe peers for tests: the real localstripe server, and a FAKE Checkout Sessions API.

Nothing here is a pytest fixture; ``tests/conftest.py`` wraps these.

- ``start_localstripe()`` runs the real localstripe (PyPI) in a subprocess, for
  PaymentIntents, charges and refunds.
- ``CheckoutSessionStub`` fakes ``/v1/checkout/sessions``, which localstripe lacks,
  and can forward every other ``/v1/...`` call to localstripe (``upstream=``), so the
  app needs one API base only.
- ``sign_webhook()`` signs a webhook body the way Stripe does.
"""

import copy
import hashlib
import hmac
import html
import json
import os
import secrets
import shutil
import string
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import stripe

#: API version stamped on fake events: the one the installed stripe library pins.
API_VERSION = stripe.api_version

_LOCALSTRIPE_BOOT = r"""
import socket, sys
from aiohttp import web
import localstripe.resources as resources
# localstripe pickles its whole store to the fixed path /tmp/localstripe.pickle
# after every write (TMPDIR is not consulted), and every instance on the machine
# shares that file. Keep each test server's state in memory only.
resources.Store.dump_to_disk = lambda self: None
from localstripe.server import app
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", int(sys.argv[1])))
print(sock.getsockname()[1], flush=True)
import os; os.dup2(2, 1)
web.run_app(app, sock=sock, print=None, access_log=None, handle_signals=True)
"""


def _random_id(prefix: str, n: int = 24) -> str:
    return prefix + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(n))


def _wait_until_answers(url: str, *, timeout: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(url, headers={"Authorization": "Bearer sk_test_ping"})
    while True:
        try:
            with urllib.request.urlopen(request, timeout=1):
                return
        except urllib.error.HTTPError:
            return  # any HTTP answer means it is serving
        except OSError:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"localstripe exited with code {proc.returncode}") from None
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not answer within {timeout}s") from None
            time.sleep(0.05)


def start_localstripe(port: int | None = None, *, timeout: float = 15.0):
    """Start the real localstripe on 127.0.0.1 with empty state; return ``(base_url, stop)``.

    It is launched with localstripe's own aiohttp ``app`` but bound to loopback
    (``localstripe --port N`` binds ``::`` on every interface) on a free port
    chosen by the OS unless *port* is given, and without the shared
    ``/tmp/localstripe.pickle``. ``stop()`` may be called more than once.
    """
    workdir = tempfile.mkdtemp(prefix="localstripe-")
    log = open(os.path.join(workdir, "localstripe.log"), "wb")
    env = {**os.environ, "TMPDIR": workdir}
    proc = subprocess.Popen(
        [sys.executable, "-c", _LOCALSTRIPE_BOOT, str(port or 0)],
        stdout=subprocess.PIPE,
        stderr=log,
        cwd=workdir,
        env=env,
    )
    stopped = False

    def stop() -> None:
        nonlocal stopped
        if stopped:
            return
        stopped = True
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        proc.stdout.close()
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)

    try:
        line = proc.stdout.readline().decode().strip()
        if not line.isdigit():
            raise RuntimeError(f"localstripe did not start; see log: {_tail(workdir)}")
        base_url = f"http://127.0.0.1:{line}"
        _wait_until_answers(base_url + "/v1/customers", timeout=timeout, proc=proc)
    except BaseException:
        stop()
        raise
    return base_url, stop


def _tail(workdir: str) -> str:
    try:
        with open(os.path.join(workdir, "localstripe.log"), "rb") as f:
            return f.read()[-2000:].decode(errors="replace")
    except OSError:
        return "(no log)"


def reset_localstripe(base_url: str) -> None:
    """Empty a running localstripe's store (its ``DELETE /_config/data``), e.g. between tests."""
    request = urllib.request.Request(base_url + "/_config/data", method="DELETE")
    with urllib.request.urlopen(request, timeout=5):
        pass


def sign_webhook(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """Return a ``Stripe-Signature`` header for *payload*: ``t=<ts>,v1=<hex HMAC-SHA256>``.

    Stripe signs ``f"{t}.{body}"`` with the whole endpoint secret (``whsec_...``
    included) as the HMAC key.
    """
    t = int(time.time()) if timestamp is None else int(timestamp)
    mac = hmac.new(secret.encode("utf-8"), f"{t}.".encode() + payload, hashlib.sha256)
    return f"t={t},v1={mac.hexdigest()}"


@dataclass(frozen=True)
class SignedEvent:
    """A webhook as Stripe would POST it: the event, its exact body and its signature."""

    event: dict
    payload: bytes
    signature: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Stripe-Signature": self.signature, "Content-Type": "application/json; charset=utf-8"}


class StripeStubError(Exception):
    """An error answered in Stripe's JSON shape, so the stripe library raises its own error."""

    def __init__(self, status: int, message: str, *, param=None, code=None, type="invalid_request_error"):
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": type, "message": message, "param": param, "code": code}}


def _unflatten(pairs: list[tuple[str, str]]) -> dict:
    """Turn Stripe's form keys (``line_items[0][price_data][currency]``) into nested dicts/lists."""
    root: dict = {}
    for key, value in pairs:
        head, _, rest = key.partition("[")
        parts = [head] + ([p.rstrip("]") for p in ("[" + rest).split("[")[1:]] if rest else [])
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise StripeStubError(400, f"Invalid parameter shape: {key}", param=key)
        node[parts[-1]] = value

    def listify(node):
        if isinstance(node, dict):
            if node and all(k.isdigit() for k in node):
                return [listify(node[k]) for k in sorted(node, key=int)]
            return {k: listify(v) for k, v in node.items()}
        return node

    return listify(root)


def _int_param(value, param: str, *, minimum: int) -> int:
    if not isinstance(value, str) or not value.lstrip("-").isdigit() or int(value) < minimum:
        raise StripeStubError(400, f"Invalid integer: {value}", param=param, code="parameter_invalid_integer")
    return int(value)


@dataclass
class _Session:
    obj: dict
    api_key: str
    payment_intent_data: dict = field(default_factory=dict)


class CheckoutSessionStub:
    """A FAKE standing in for Stripe's Checkout Sessions endpoint, because localstripe lacks it.

    Runs a threaded ``http.server`` on a free 127.0.0.1 port and answers, in
    Stripe's JSON shapes so the real ``stripe`` library can drive it:

    - ``POST /v1/checkout/sessions`` (``mode=payment`` with ``price_data`` line
      items only; honours ``Idempotency-Key``: same key and parameters give the
      first answer again, same key with other parameters is Stripe's 400
      ``idempotency_error``; ``expires_at`` must be 30 min to 24 h ahead, as on Stripe);
    - ``GET /v1/checkout/sessions/<id>``; ``POST /v1/checkout/sessions/<id>/expire``;
    - ``GET /pay/<id>``: a tiny hosted page with a "Pay" button; ``POST /pay/<id>``
      completes the session, sends ``checkout.session.completed`` to
      ``webhook_url`` if set, and redirects (303) to ``success_url`` with
      ``{CHECKOUT_SESSION_ID}`` filled in.

    With ``upstream`` (a localstripe base URL) any other path is forwarded there,
    and completing a session creates and confirms a real PaymentIntent in
    localstripe (card ``pm_card_visa``) whose id becomes ``session.payment_intent``,
    so refunds work. Without it ``payment_intent`` is a made-up ``pi_stub_...`` id.

    Test helpers ``complete()``, ``async_payment_succeeded()`` and ``expire()``
    change a session and return the :class:`SignedEvent`; every event built is
    also kept in ``events``, every delivery attempt in ``deliveries``.
    """

    def __init__(
        self, *, upstream: str | None = None, webhook_url: str | None = None, webhook_secret: str | None = None
    ):
        self.upstream = upstream.rstrip("/") if upstream else None
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret or _random_id("whsec_test_", 32)
        self.events: list[SignedEvent] = []
        self.deliveries: list[tuple[str, int | str]] = []
        self._sessions: dict[str, _Session] = {}
        self._idempotent: dict[str, tuple[str, dict, int, bytes]] = {}
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> "CheckoutSessionStub":
        stub = self

        class Handler(_Handler):
            owner = stub

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="stripe-stub", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self) -> "CheckoutSessionStub":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- test helpers ----------------------------------------------------------

    def session(self, session_id: str) -> dict:
        """Return a copy of the session object as the API would."""
        with self._lock:
            return copy.deepcopy(self._get(session_id).obj)

    def complete(self, session_id: str, *, async_payment: bool = False, deliver: bool = False) -> SignedEvent:
        """Mark an open session paid (or, with *async_payment*, complete but unpaid); return the event.

        :param deliver: also POST the event to ``webhook_url``.
        """
        with self._lock:
            s = self._get(session_id)
            if s.obj["status"] != "open":
                raise StripeStubError(400, f"Checkout Session {session_id} is {s.obj['status']}, not open")
            s.obj["status"] = "complete"
            s.obj["payment_status"] = "unpaid" if async_payment else "paid"
            s.obj["customer_details"] = {"email": s.obj["customer_email"], "name": None, "phone": None}
            s.obj["payment_intent"] = self._make_payment_intent(s)
            event = self._event("checkout.session.completed", s)
        if deliver:
            self.deliver(event)
        return event

    def async_payment_succeeded(self, session_id: str, *, deliver: bool = False) -> SignedEvent:
        """Settle a session completed with ``async_payment=True``; return the event."""
        with self._lock:
            s = self._get(session_id)
            if s.obj["status"] != "complete" or s.obj["payment_status"] != "unpaid":
                raise StripeStubError(400, f"Checkout Session {session_id} has no payment pending")
            s.obj["payment_status"] = "paid"
            event = self._event("checkout.session.async_payment_succeeded", s)
        if deliver:
            self.deliver(event)
        return event

    def expire(self, session_id: str, *, deliver: bool = False) -> SignedEvent:
        """Expire an open session as if its ``expires_at`` had passed; return the event."""
        with self._lock:
            s = self._get(session_id)
            if s.obj["status"] != "open":
                raise StripeStubError(
                    400,
                    f"Only Checkout Sessions with a status in [open] can be expired. "
                    f"This Checkout Session has a status of {s.obj['status']}.",
                )
            s.obj["status"] = "expired"
            event = self._event("checkout.session.expired", s)
        if deliver:
            self.deliver(event)
        return event

    def deliver(self, event: SignedEvent) -> int | str:
        """POST *event* to ``webhook_url``; return the HTTP status (or the error text)."""
        if not self.webhook_url:
            raise RuntimeError("stub.webhook_url is not set")
        request = urllib.request.Request(
            self.webhook_url,
            data=event.payload,
            method="POST",
            headers={**event.headers, "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                outcome: int | str = response.status
        except urllib.error.HTTPError as e:
            outcome = e.code
            e.close()
        except OSError as e:
            outcome = f"{type(e).__name__}: {e}"
        self.deliveries.append((event.event["type"], outcome))
        return outcome

    # -- internals -------------------------------------------------------------

    def _get(self, session_id: str) -> _Session:
        try:
            return self._sessions[session_id]
        except KeyError:
            raise StripeStubError(
                404, f"No such checkout.session: '{session_id}'", param="session", code="resource_missing"
            ) from None

    def _event(self, event_type: str, s: _Session) -> SignedEvent:
        event = {
            "id": _random_id("evt_test_"),
            "object": "event",
            "api_version": API_VERSION,
            "created": int(time.time()),
            "data": {"object": copy.deepcopy(s.obj)},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
        }
        # Indented like Stripe's bodies: a webhook that verifies re-serialized JSON
        # instead of the raw bytes fails here as it would in production.
        payload = json.dumps(event, indent=2).encode("utf-8")
        signed = SignedEvent(event, payload, sign_webhook(payload, self.webhook_secret))
        self.events.append(signed)
        return signed

    def _make_payment_intent(self, s: _Session) -> str:
        if not self.upstream:
            return _random_id("pi_stub_")
        pi_data = s.payment_intent_data
        form = {
            "amount": str(s.obj["amount_total"]),
            "currency": s.obj["currency"],
            "payment_method": "pm_card_visa",
            "confirm": "true",
        }
        for k, v in (pi_data.get("metadata") or {}).items():
            form[f"metadata[{k}]"] = v
        request = urllib.request.Request(
            self.upstream + "/v1/payment_intents",
            data=urllib.parse.urlencode(form).encode(),
            method="POST",
            headers={"Authorization": f"Bearer {s.api_key}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)["id"]

    def _create(self, params: dict, api_key: str) -> dict:
        known = {
            "mode",
            "line_items",
            "success_url",
            "cancel_url",
            "client_reference_id",
            "metadata",
            "expires_at",
            "customer_email",
            "locale",
            "payment_method_types",
            "payment_intent_data",
            "submit_type",
            "expand",
            "ui_mode",
        }
        for key in params:
            if key not in known:
                raise StripeStubError(
                    400,
                    f"Received unknown parameter: {key} (the stub does not model it; "
                    "extend tests/stripe_peers.py if the real API accepts it)",
                    param=key,
                )
        if params.get("mode") != "payment":
            raise StripeStubError(400, "The stub supports mode=payment only", param="mode")
        if params.get("ui_mode", "hosted") != "hosted":
            raise StripeStubError(400, "The stub supports ui_mode=hosted only", param="ui_mode")
        if not params.get("success_url"):
            raise StripeStubError(400, "Missing required param: success_url.", param="success_url")
        items = params.get("line_items")
        if not isinstance(items, list) or not items:
            raise StripeStubError(400, "Missing required param: line_items.", param="line_items")

        currencies, total = set(), 0
        for i, item in enumerate(items):
            where = f"line_items[{i}]"
            if not isinstance(item, dict) or "price" in item or "price_data" not in item:
                raise StripeStubError(400, "The stub supports line_items with price_data only", param=where)
            price = item["price_data"]
            if (
                not isinstance(price, dict)
                or not isinstance(price.get("product_data"), dict)
                or not price["product_data"].get("name")
            ):
                raise StripeStubError(
                    400, "Missing required param: product_data[name].", param=f"{where}[price_data][product_data][name]"
                )
            currency = price.get("currency")
            if not currency or currency != currency.lower():
                raise StripeStubError(400, "Invalid currency", param=f"{where}[price_data][currency]")
            currencies.add(currency)
            # Stripe takes unit_amount in the currency's smallest unit: whole đồng
            # for VND, a zero-decimal currency; a decimal string is refused.
            unit = _int_param(price.get("unit_amount"), f"{where}[price_data][unit_amount]", minimum=0)
            qty = _int_param(item.get("quantity"), f"{where}[quantity]", minimum=1)
            total += unit * qty
        if len(currencies) != 1:
            raise StripeStubError(400, "All line_items must share one currency", param="line_items")

        now = int(time.time())
        if "expires_at" in params:
            expires_at = _int_param(params["expires_at"], "expires_at", minimum=0)
            if not now + 30 * 60 - 5 <= expires_at <= now + 24 * 3600 + 5:
                raise StripeStubError(
                    400,
                    "The `expires_at` timestamp must be between 30 minutes and 24 hours "
                    "from Checkout Session creation.",
                    param="expires_at",
                )
        else:
            expires_at = now + 24 * 3600

        metadata = params.get("metadata") or {}
        if (
            not isinstance(metadata, dict)
            or len(metadata) > 50
            or any(len(k) > 40 or not isinstance(v, str) or len(v) > 500 for k, v in metadata.items())
        ):
            raise StripeStubError(400, "Invalid metadata (max 50 keys, key 40, value 500 chars)", param="metadata")
        client_ref = params.get("client_reference_id")
        if client_ref is not None and len(client_ref) > 200:
            raise StripeStubError(400, "client_reference_id is longer than 200 characters", param="client_reference_id")

        session_id = _random_id("cs_test_", 58)
        obj = {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": total,
            "amount_total": total,
            "cancel_url": params.get("cancel_url"),
            "client_reference_id": client_ref,
            "created": now,
            "currency": currencies.pop(),
            "customer_details": None,
            "customer_email": params.get("customer_email"),
            "expires_at": expires_at,
            "livemode": False,
            "locale": params.get("locale"),
            "metadata": metadata,
            "mode": "payment",
            "payment_intent": None,
            "payment_method_types": params.get("payment_method_types") or ["card"],
            "payment_status": "unpaid",
            "status": "open",
            "success_url": params["success_url"],
            "ui_mode": "hosted",
            "url": f"{self.base_url}/pay/{session_id}",
        }
        with self._lock:
            self._sessions[session_id] = _Session(obj, api_key, params.get("payment_intent_data") or {})
            return copy.deepcopy(obj)


class _Handler(BaseHTTPRequestHandler):
    owner: CheckoutSessionStub
    server_version = "stripe-checkout-stub"

    def log_message(self, format, *args):  # keep test output quiet
        pass

    # -- plumbing --------------------------------------------------------------

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes, content_type: str, extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Request-Id", _random_id("req_stub_", 14))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, obj: dict, extra: dict | None = None) -> None:
        self._send(status, json.dumps(obj).encode(), "application/json", extra)

    def _api_key(self) -> str:
        scheme, _, key = self.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or not key.startswith("sk_"):
            raise StripeStubError(401, "Invalid API Key provided.", type="invalid_request_error")
        return key

    def _route(self, method: str) -> None:
        path = urllib.parse.urlsplit(self.path).path
        parts = path.strip("/").split("/")
        try:
            if parts[:3] == ["v1", "checkout", "sessions"]:
                self._sessions_api(method, parts[3:])
            elif parts[0] == "pay" and len(parts) == 2 and method in ("GET", "POST"):
                self._pay_page(method, parts[1])
            elif self.owner.upstream and parts[0] == "v1":
                self._forward(method)
            else:
                raise StripeStubError(404, f"Unrecognized request URL ({method}: {path}) in the stub")
        except StripeStubError as e:
            self._json(e.status, e.body)

    def do_GET(self):
        self._route("GET")

    def do_POST(self):
        self._route("POST")

    def do_DELETE(self):
        self._route("DELETE")

    # -- /v1/checkout/sessions -------------------------------------------------

    def _sessions_api(self, method: str, rest: list[str]) -> None:
        stub = self.owner
        api_key = self._api_key()
        body = self._body() if method == "POST" else b""
        params = _unflatten(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
        if method == "POST" and not rest:
            key = self.headers.get("Idempotency-Key")
            if key:
                with stub._lock:
                    seen = stub._idempotent.get(key)
                    if seen is not None:
                        path, first_params, status, response = seen
                        if path != self.path or first_params != params:
                            raise StripeStubError(
                                400,
                                "Keys for idempotent requests can only be used with the same "
                                "parameters they were first used with. Try using a key other than "
                                f"'{key}' if you meant to execute a different request.",
                                type="idempotency_error",
                            )
                        self._send(status, response, "application/json", {"Idempotent-Replayed": "true"})
                        return
                    response = json.dumps(stub._create(params, api_key)).encode()
                    stub._idempotent[key] = (self.path, params, 200, response)
                self._send(200, response, "application/json", {"Idempotency-Key": key})
                return
            self._json(200, stub._create(params, api_key))
        elif method == "GET" and len(rest) == 1:
            self._json(200, stub.session(rest[0]))
        elif method == "POST" and len(rest) == 2 and rest[1] == "expire":
            event = stub.expire(rest[0])
            if stub.webhook_url:  # Stripe sends checkout.session.expired after an API expire too
                stub.deliver(event)
            self._json(200, event.event["data"]["object"])
        else:
            raise StripeStubError(404, f"Unrecognized request URL ({method}: {self.path}) in the stub")

    # -- hosted payment page ---------------------------------------------------

    def _pay_page(self, method: str, session_id: str) -> None:
        stub = self.owner
        obj = stub.session(session_id)
        if method == "POST":
            self._body()
            if obj["status"] != "open":
                page = _page(obj, "This Checkout Session is no longer open.")
                self._send(409, page, "text/html; charset=utf-8")
                return
            event = stub.complete(session_id)
            if stub.webhook_url:
                stub.deliver(event)
            location = obj["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)
            self._send(303, b"", "text/html; charset=utf-8", {"Location": location})
            return
        self._send(200, _page(obj), "text/html; charset=utf-8")

    # -- everything else goes to localstripe ----------------------------------

    def _forward(self, method: str) -> None:
        body = self._body() if method == "POST" else None
        headers = {
            k: v
            for k, v in self.headers.items()
            if k.lower() in ("authorization", "content-type", "idempotency-key", "stripe-version")
        }
        request = urllib.request.Request(self.owner.upstream + self.path, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, payload = response.status, response.read()
                ctype = response.headers.get("Content-Type")
        except urllib.error.HTTPError as e:
            with e:
                status, payload, ctype = e.code, e.read(), e.headers.get("Content-Type")
        self._send(status, payload, ctype or "application/json")


def _page(obj: dict, notice: str | None = None) -> bytes:
    esc = html.escape
    amount = f"{obj['amount_total']:,}".replace(",", ".")
    if notice is None and obj["status"] == "open":
        action = (
            f'<form method="post" action="/pay/{esc(obj["id"])}"><button type="submit" id="pay">Pay</button></form>'
        )
        if obj.get("cancel_url"):
            action += f'<p><a id="cancel" href="{esc(obj["cancel_url"])}">Cancel</a></p>'
    else:
        action = f'<p id="notice">{esc(notice or "This Checkout Session is " + obj["status"] + ".")}</p>'
    return (
        '<!doctype html><html><head><meta charset="utf-8"><title>Stripe Checkout (stub)</title></head>'
        "<body><h1>Stripe Checkout (test stub)</h1>"
        f'<p id="amount">{esc(amount)} {esc(obj["currency"].upper())}</p>'
        f"{action}</body></html>"
    ).encode()
