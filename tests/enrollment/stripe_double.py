"""A local HTTP test double of the few Stripe API endpoints the portal calls, for the real
`stripe` library (only `stripe.api_base` points here), and webhook events signed the way
Stripe signs them.

Endpoints: create, retrieve and expire a Checkout Session; create a refund; retrieve a
charge. The test drives what happens at Stripe with pay(), expire() and fail_next().
"""

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class Request:
    method: str
    path: str
    params: dict
    idempotency_key: str
    api_key: str


@dataclass
class StripeDouble:
    url: str = ""
    sessions: dict = field(default_factory=dict)
    charges: dict = field(default_factory=dict)
    refunds: dict = field(default_factory=dict)
    requests: list = field(default_factory=list)
    # Answers already given per idempotency key, as Stripe replays them.
    idempotent: dict = field(default_factory=dict)
    failures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    # --- what the test makes happen at Stripe -------------------------------------------

    def pay(self, session_id: str) -> dict:
        """The trainer pays on the hosted page: the session completes, a charge exists."""
        with self.lock:
            session = self.sessions[session_id]
            number = session_id.rsplit("_", 1)[1]
            intent, charge = f"pi_test_{number}", f"ch_test_{number}"
            session.update(status="complete", payment_status="paid", payment_intent=intent)
            self.charges[charge] = {
                "id": charge,
                "object": "charge",
                "payment_intent": intent,
                "amount": session["amount_total"],
                "currency": session["currency"],
                "refunded": False,
                "amount_refunded": 0,
            }
            return dict(session)

    def expire(self, session_id: str) -> dict:
        with self.lock:
            self.sessions[session_id].update(status="expired", url=None)
            return dict(self.sessions[session_id])

    def fail_next(self, count: int = 1) -> None:
        """The next requests get a 500 from "Stripe"."""
        self.failures = count

    def created(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.method == "POST" and r.path == path]

    def charge_of(self, session_id: str) -> dict:
        intent = self.sessions[session_id]["payment_intent"]
        return next(c for c in self.charges.values() if c["payment_intent"] == intent)

    # --- the API ----------------------------------------------------------------------

    def handle(self, method: str, path: str, params: dict, headers) -> tuple[int, dict]:
        key = headers.get("Idempotency-Key", "")
        auth = headers.get("Authorization", "")
        with self.lock:
            self.requests.append(Request(method, path, params, key, auth.removeprefix("Bearer ")))
            if self.failures:
                self.failures -= 1
                return 500, {"error": {"type": "api_error", "message": "Stripe is down."}}
            if method == "POST" and key and (method, path, key) in self.idempotent:
                return self.idempotent[(method, path, key)]
            answer = self._route(method, path, params)
            if method == "POST" and key:
                self.idempotent[(method, path, key)] = answer
            return answer

    def _route(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        parts = path.strip("/").split("/")
        if method == "POST" and path == "/v1/checkout/sessions":
            return self._create_session(params)
        if parts[:3] == ["v1", "checkout", "sessions"] and len(parts) >= 4:
            session = self.sessions.get(parts[3])
            if session is None:
                return _missing("checkout.session", parts[3])
            if method == "GET" and len(parts) == 4:
                return 200, session
            if method == "POST" and parts[4:] == ["expire"]:
                if session["status"] != "open":
                    return 400, _invalid(f"Only open sessions can be expired: {parts[3]}.")
                session.update(status="expired", url=None)
                return 200, session
        if method == "POST" and path == "/v1/refunds":
            return self._create_refund(params)
        if method == "GET" and parts[:2] == ["v1", "charges"] and len(parts) == 3:
            charge = self.charges.get(parts[2])
            return (200, charge) if charge else _missing("charge", parts[2])
        return 404, _invalid(f"Unrecognized request URL ({method}: {path}).")

    def _create_session(self, params: dict) -> tuple[int, dict]:
        number = f"{len(self.sessions) + 1:04d}"
        session_id = f"cs_test_{number}"
        self.sessions[session_id] = {
            "id": session_id,
            "object": "checkout.session",
            "url": f"https://checkout.stripe.test/c/pay/{session_id}",
            "status": "open",
            "payment_status": "unpaid",
            "mode": params.get("mode"),
            "amount_total": int(params["line_items[0][price_data][unit_amount]"]),
            "currency": params["line_items[0][price_data][currency]"],
            "customer_email": params.get("customer_email"),
            "client_reference_id": params.get("client_reference_id"),
            "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"),
            "expires_at": int(params.get("expires_at", 0)),
            "payment_intent": None,
            "metadata": {
                k[len("metadata[") : -1]: v for k, v in params.items() if k.startswith("metadata[")
            },
        }
        return 200, self.sessions[session_id]

    def _create_refund(self, params: dict) -> tuple[int, dict]:
        intent = params.get("payment_intent")
        charge = next((c for c in self.charges.values() if c["payment_intent"] == intent), None)
        if charge is None:
            return _missing("payment_intent", intent or "")
        if charge["refunded"]:
            return 400, _invalid(f"Charge {charge['id']} has already been refunded.")
        refund_id = f"re_test_{len(self.refunds) + 1:04d}"
        charge.update(refunded=True, amount_refunded=charge["amount"])
        self.refunds[refund_id] = {
            "id": refund_id,
            "object": "refund",
            "amount": charge["amount"],
            "charge": charge["id"],
            "payment_intent": intent,
            "status": "succeeded",
        }
        return 200, self.refunds[refund_id]


def _invalid(message: str) -> dict:
    return {"error": {"type": "invalid_request_error", "message": message}}


def _missing(kind: str, ident: str) -> tuple[int, dict]:
    return 404, _invalid(f"No such {kind}: '{ident}'")


def serve(double: StripeDouble) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            path, _, query = self.path.partition("?")
            raw = parse_qs(body or query, keep_blank_values=True)
            params = {k: v[-1] for k, v in raw.items()}
            status, payload = double.handle(method, path, params, self.headers)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Request-Id", f"req_test_{len(double.requests)}")
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            self._answer("GET")

        def do_POST(self):
            self._answer("POST")

        def do_DELETE(self):
            self._answer("DELETE")

        def log_message(self, *args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    double.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


_event_numbers = iter(range(1, 10**9))


def event_payload(event_type: str, obj: dict, *, event_id: str = "", created: int = 0) -> bytes:
    return json.dumps(
        {
            "id": event_id or f"evt_test_{next(_event_numbers):06d}",
            "object": "event",
            "type": event_type,
            "api_version": "2024-06-20",
            "created": created or int(time.time()),
            "data": {"object": obj},
            "livemode": False,
        }
    ).encode()


def signature(payload: bytes, secret: str, *, timestamp: int | None = None) -> str:
    """The Stripe-Signature header: t=<unix time>,v1=HMAC-SHA256(secret, "<t>.<payload>")."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"
