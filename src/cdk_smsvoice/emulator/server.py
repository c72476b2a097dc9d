"""The emulator's HTTP server: both SMS and Voice APIs on one port of 127.0.0.1.

A request carrying ``X-Amz-Target: PinpointSMSVoiceV2.*`` goes to the v2 API, any other to the
v1 REST API. Account and Region come from the request's SigV4 credential scope, as in AWS: the
Region from the scope, the account from an access key id of 12 digits (any other key id means
the default account). Each account and Region has its own state under
``<data-dir>/<account>/<region>/``.

Besides the APIs, ``/_emulator/`` serves a small control API for tests and tools:
``GET /_emulator/state`` (every set of every account and Region), and
``POST /_emulator/faults`` with ``{"api": "v1"|"v2", "operation", "code", "message"?, "times"?,
"onCall"?, "status"?, "fields"?, "account"?, "region"?}`` to make the Nth call of an operation fail,
or with ``"loseResponse": true`` instead of a code to apply it and drop its answer.
``/_emulator/outcomes`` and ``/_emulator/deliveries`` are served by :class:`.events.EventRouting`.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

from .errors import ServiceError
from .events import EventRouting
from .service import EmulatedService, NotEmulatedError, ResponseLostError
from .store import StateStore
from .v1 import V1Service
from .v2 import V2Service
from .wire import UnknownOperationError, decode, encode_response, header

LOG = logging.getLogger("cdk_smsvoice.emulator")
DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"
Api = Literal["v1", "v2"]
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[^/]+/([^/]+)/")
_INTERNAL_ERROR = {
    "v1": ("InternalServiceErrorException", 500),
    "v2": ("InternalServerException", 500),
}


class Emulator:
    """The SMS and Voice emulator, in process: ``with Emulator(data_dir=...) as emu:``.

    ``data_dir`` (default: none, state in memory only) keeps state, messages and event records
    across restarts; ``port`` (default 0: any free port) and ``host`` (default 127.0.0.1) say
    where to listen; ``tps`` (default: unlimited) limits each operation's calls per second;
    ``sinks_endpoint`` (default: none, JSON-lines files only) delivers event records to the
    sink APIs there (see :mod:`.sinks`).
    """

    def __init__(
        self,
        data_dir: Path | None = None,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        tps: float | None = None,
        sinks_endpoint: str | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.tps = tps
        self.events = EventRouting.for_endpoint(sinks_endpoint, data_dir)
        self._services: dict[tuple[Api, str, str], EmulatedService[Any]] = {}
        self._stores: dict[tuple[str, str], StateStore] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), _RequestHandler)
        self._server.daemon_threads = True
        self._server.emulator = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @property
    def endpoint_url(self) -> str:
        """Where clients send requests, e.g. ``http://127.0.0.1:4599``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def v1(self, account: str = DEFAULT_ACCOUNT, region: str = DEFAULT_REGION) -> V1Service:
        """The v1 API of one account and Region."""
        service = self.service("v1", account, region)
        assert isinstance(service, V1Service)
        return service

    def v2(self, account: str = DEFAULT_ACCOUNT, region: str = DEFAULT_REGION) -> V2Service:
        """The v2 API of one account and Region."""
        service = self.service("v2", account, region)
        assert isinstance(service, V2Service)
        return service

    def service(self, api: Api, account: str, region: str) -> EmulatedService[Any]:
        """The ``api`` of one account and Region, loaded from the data dir on first use."""
        key = (api, account, region)
        with self._lock:
            if key not in self._services:
                store = self._store(account, region)
                self._services[key] = (
                    V1Service(account, region, tps=self.tps, store=store)
                    if api == "v1"
                    else V2Service(account, region, tps=self.tps, store=store)
                )
                self._services[key].emitter.routing = self.events
            return self._services[key]

    def _store(self, account: str, region: str) -> StateStore | None:
        """The one store of an account and Region, shared by its v1 and v2 (one lock on the
        message log they share); ``None`` without a data dir. Called under ``_lock``.
        """
        if self.data_dir is None:
            return None
        key = (account, region)
        if key not in self._stores:
            self._stores[key] = StateStore(self.data_dir / account / region)
        return self._stores[key]

    def snapshot(self) -> dict[str, Any]:
        """Every configuration set, by ``<account>/<region>`` and service name (those that
        have sets).
        """
        if self.data_dir is not None and self.data_dir.exists():
            for path in self.data_dir.glob("*/*/pinpoint-sms-voice*.json"):
                api: Api = "v2" if path.stem.endswith("-v2") else "v1"
                self.service(api, path.parent.parent.name, path.parent.name)
        with self._lock:
            services = dict(self._services)
        result: dict[str, Any] = {}
        for (_, account, region), service in sorted(services.items()):
            state = service.to_state()
            if state["sets"]:
                result.setdefault(f"{account}/{region}", {})[service.service_name] = state
        return result

    def start(self) -> Emulator:
        """Serve in a background thread; returns ``self``."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="smsvoice-emulator", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until :meth:`stop` is called from another."""
        self._server.serve_forever()

    def shutdown(self) -> None:
        """Make :meth:`serve_forever` return; safe from a signal handler (it does not wait)."""
        threading.Thread(target=self._server.shutdown, daemon=True).start()

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()
        self.events.close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------- requests

    def answer(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes] | None:
        """Answer one HTTP request: ``(status, headers, body)``, or ``None`` to drop the
        connection without an answer (an injected lost response).
        """
        url = urlsplit(target)
        if url.path.startswith("/_emulator/"):
            return self._control(method, url.path, body)
        api: Api = (
            "v2" if header(headers, "x-amz-target").startswith("PinpointSMSVoiceV2.") else "v1"
        )
        account, region = _scope(header(headers, "authorization"))
        service = self.service(api, account, region)
        query = tuple(parse_qsl(url.query, keep_blank_values=True))
        try:
            call = decode(service.model, method, url.path, query, headers, body)
        except UnknownOperationError as err:
            return _json(
                HTTPStatus.NOT_FOUND, {"__type": "UnknownOperationException", "message": str(err)}
            )
        try:
            result = service.invoke(call.operation, call.params, call)
            return encode_response(service.model.operation_model(call.operation), result)
        except ResponseLostError:
            LOG.info("%s %s: response dropped as injected", api, call.operation)
            return None
        except ServiceError as err:
            return err.encode(service.model)
        except NotEmulatedError as err:  # 501: not retried by SDKs, unlike a 500
            return _json(
                HTTPStatus.NOT_IMPLEMENTED, {"__type": "NotImplemented", "message": str(err)}
            )
        except Exception as err:  # a bug of the emulator: answer it, do not drop the connection
            LOG.exception("%s %s failed", api, call.operation)
            code, status = _INTERNAL_ERROR[api]
            return ServiceError(code, f"emulator error: {err}", status).encode(service.model)

    def _control(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        routed = self.events.control(method, path, body)
        if routed is not None:
            return routed
        if method == "GET" and path == "/_emulator/state":
            return _json(HTTPStatus.OK, self.snapshot())
        if method == "POST" and path == "/_emulator/faults":
            try:
                spec = json.loads(body or b"{}")
                service = self.service(
                    spec["api"],
                    spec.get("account", DEFAULT_ACCOUNT),
                    spec.get("region", DEFAULT_REGION),
                )
                if spec.get("loseResponse"):
                    service.lose_response(
                        spec["operation"], times=spec.get("times", 1), on_call=spec.get("onCall")
                    )
                    return _json(HTTPStatus.OK, {"pending": service.pending_faults()})
                service.fail(
                    spec["operation"],
                    spec["code"],
                    spec.get("message", "Injected failure"),
                    status=spec.get("status"),
                    times=spec.get("times", 1),
                    on_call=spec.get("onCall"),
                    **spec.get("fields", {}),
                )
            except (KeyError, TypeError, ValueError) as err:
                return _json(HTTPStatus.BAD_REQUEST, {"message": f"bad fault: {err!r}"})
            return _json(HTTPStatus.OK, {"pending": service.pending_faults()})
        return _json(HTTPStatus.NOT_FOUND, {"message": f"no control endpoint {method} {path}"})


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cdk-smsvoice-emulator"

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        emulator: Emulator = self.server.emulator  # type: ignore[attr-defined]
        headers = {k: v for k, v in self.headers.items()}
        answer = emulator.answer(self.command, self.path, headers, body)
        if answer is None:
            self.close_connection = True  # no status line: the client sees the connection close
            return
        status, out_headers, payload = answer
        self.send_response(status)
        for key, value in out_headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = _handle  # noqa: N815 - http.server's names

    def log_message(self, format: str, *args: Any) -> None:
        LOG.info("%s %s", self.address_string(), format % args)


def _scope(authorization: str) -> tuple[str, str]:
    """Account and Region from a SigV4 ``Authorization`` header."""
    match = _CREDENTIAL.search(authorization)
    if match is None:
        return DEFAULT_ACCOUNT, DEFAULT_REGION
    key_id, region = match.groups()
    account = key_id if re.fullmatch(r"[0-9]{12}", key_id) else DEFAULT_ACCOUNT
    return account, region


def _json(status: int, body: Any) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()
