"""The emulator's WSGI application (werkzeug requests and responses): the checks every request
passes before it reaches an API, then routing to the v1 API, the v2 API or the control API.

In order, each answered in the API's error shape (v2 JSON 1.0 ``{"__type", "message"}``, v1
REST-JSON ``{"message"}``, both with ``x-amzn-ErrorType``):

1. cross-site requests are refused (403): a ``Host`` that is not a loopback name while the
   emulator listens on loopback (DNS rebinding), an ``Origin`` other than the emulator's own,
   or ``Sec-Fetch-Site`` other than ``same-origin``/``none``;
2. content types (415): v2 takes ``application/x-amz-json-1.0`` (or ``-1.1``, or
   ``application/json``), v1 and the control API ``application/json`` for any body; a POST to
   the control API must say ``application/json`` even without a body (``GET`` and ``DELETE``
   need no type: a browser cannot send a ``DELETE`` cross-site without a preflight);
3. identity (403 ``InvalidSignatureException``): the SigV4 credential scope's Region must be an
   AWS Region (see :mod:`.identity`) before any file is named after it;
4. the request is decoded (unknown operations: v2 400, v1 404 ``UnknownOperationException``;
   unreadable bodies: the API's validation error) and answered by the service.

A failure of the emulator itself is logged with its traceback and answered 500
(v2 ``InternalServerException``, v1 ``InternalServiceErrorException``).
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from werkzeug.wrappers import Request, Response

from .control import control_answer
from .errors import INTERNAL_ERROR, ServiceError, protocol_error
from .identity import IdentityError, from_authorization
from .service import NotEmulatedError, ResponseLostError
from .serving import DropConnection
from .wire import UnknownOperationError, decode, encode_response

if TYPE_CHECKING:
    from .server import Emulator

LOG = logging.getLogger("cdk_smsvoice.emulator")
Answer = tuple[int, dict[str, str], bytes]
V2_TYPES = frozenset(
    {"application/x-amz-json-1.0", "application/x-amz-json-1.1", "application/json"}
)
V1_TYPES = frozenset({"application/json"})
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
"""Host names of the emulator's own origin, besides its endpoint URL."""


def api_of(headers: Mapping[str, str], path: str) -> str:
    """Which error shape answers a request: ``v2`` if it names an ``X-Amz-Target``, ``control``
    for ``/_emulator/``, else ``v1``.
    """
    if any(key.lower() == "x-amz-target" for key in headers):
        return "v2"
    return "control" if path.startswith("/_emulator/") else "v1"


def refusal(api: str, status: int, code: str, message: str) -> Answer:
    """An answer refusing a request before it reaches an operation, in ``api``'s shape."""
    return protocol_error("v1" if api == "control" else api, status, code, message)


def render_server_error(status: int, message: str, headers: Mapping[str, str], path: str) -> Answer:
    """Render what waitress refuses itself (bad framing, 408, 413, 431, unsupported
    Transfer-Encoding) in the API's error shape; every such refusal is a 4xx but a failure
    of the emulator.
    """
    api = api_of(headers, path)
    if status >= 500 and status != 501:
        return refusal(api, 500, INTERNAL_ERROR["v1" if api == "control" else api], message)
    status = 400 if status == 501 else status  # a Transfer-Encoding other than chunked
    codes = {
        408: "RequestTimeoutException",
        413: "RequestEntityTooLargeException",
        431: "RequestHeaderFieldsTooLargeException",
    }
    default = "ValidationException" if api == "v2" else "BadRequestException"
    reason = HTTPStatus(status).phrase
    return refusal(api, status, codes.get(status, default), f"{reason}: {message}")


class EmulatorApp:
    """The WSGI application serving one :class:`~.server.Emulator`."""

    def __init__(self, emulator: Emulator, bound_host: str) -> None:
        self.emulator = emulator
        self.loopback_only = _is_loopback(bound_host)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        path, query = _split_target(environ.get("REQUEST_URI") or request.full_path)
        api = api_of(dict(request.headers), path)
        try:
            answer = self._answer(request, api, path, query)
        except DropConnection:
            raise
        except Exception:  # a failure of the emulator: answered, never a dropped connection
            LOG.exception("%s %s failed", request.method, path[:200])
            internal = INTERNAL_ERROR["v1" if api == "control" else api]
            answer = refusal(api, 500, internal, "The emulator failed; see its log.")
        status, headers, body = answer
        LOG.info("%s %s -> %d", request.method, path[:200], status)
        response = Response(body, status=status, headers=list(headers.items()))
        result: Iterable[bytes] = response(environ, start_response)
        return result

    def _answer(self, request: Request, api: str, path: str, query: str) -> Answer:
        refused = self._cross_site(request) or _content_type(request, api)
        if refused is not None:
            status, code, message = refused
            return refusal(api, status, code, message)
        body = request.get_data(cache=False)
        if api == "control":
            return control_answer(self.emulator, request.method, path, body)
        try:
            identity = from_authorization(request.headers.get("Authorization", ""))
            service = self.emulator.service(
                "v2" if api == "v2" else "v1", identity.account, identity.region
            )
        except IdentityError as err:
            return refusal(api, 403, "InvalidSignatureException", f"{err}.")
        try:
            call = decode(
                service.model,
                request.method,
                path,
                tuple(parse_qsl(query, keep_blank_values=True)),
                dict(request.headers),
                body,
            )
        except UnknownOperationError as err:
            return refusal(api, 400 if api == "v2" else 404, "UnknownOperationException", str(err))
        try:
            result = service.invoke(call.operation, call.params, call)
        except ResponseLostError:
            LOG.info("%s %s: response dropped as injected", api, call.operation)
            raise DropConnection from None
        except ServiceError as err:
            return err.encode(service.model)
        except NotEmulatedError as err:  # 501: not retried by SDKs, unlike a 500
            return refusal(api, 501, "NotImplemented", str(err))
        return encode_response(service.model.operation_model(call.operation), result)

    def _cross_site(self, request: Request) -> tuple[int, str, str] | None:
        host = _host_name(request.headers.get("Host"))
        if self.loopback_only and not _is_loopback(host):
            return 403, "AccessDeniedException", f"Host {host[:100]!r} is not a loopback name."
        origin = request.headers.get("Origin")
        port = self.emulator.port
        own = {self.emulator.endpoint_url, *(f"http://{n}:{port}" for n in LOOPBACK_NAMES)}
        if origin is not None and origin not in own:
            return 403, "AccessDeniedException", f"Cross-origin request from {origin[:100]!r}."
        fetch_site = request.headers.get("Sec-Fetch-Site", "none")
        if fetch_site not in ("same-origin", "none"):
            return 403, "AccessDeniedException", f"Cross-site request ({fetch_site[:40]})."
        return None


def _content_type(request: Request, api: str) -> tuple[int, str, str] | None:
    given = request.headers.get("Content-Type")
    mimetype = request.mimetype
    if api == "v2":
        allowed, wanted, needed = V2_TYPES, "application/x-amz-json-1.0", True
    else:
        allowed, wanted = V1_TYPES, "application/json"
        # A web page can POST cross-site without a preflight, but only as a form or as text,
        # so a control POST must say JSON; a DELETE is always preflighted (never answered).
        needed = (
            given is not None
            or bool(request.content_length)
            or (api == "control" and request.method == "POST")
        )
    if not needed or mimetype in allowed:
        return None
    code = "ValidationException" if api == "v2" else "BadRequestException"
    shown = "none" if given is None else repr(given[:100])
    return 415, code, f"Content-Type {shown} is not accepted here; send {wanted}."


def _split_target(target: str) -> tuple[str, str]:
    """Path (still URL-encoded) and query of a request target, origin or absolute form."""
    if not target.startswith("/"):
        try:
            url = urlsplit(target)
            return url.path, url.query
        except ValueError:  # e.g. an unclosed "[" in an absolute-form authority
            pass
    path, _, query = target.partition("?")
    return path, query


def _host_name(header: str | None) -> str:
    """The name in a ``Host`` header; none (not a browser: they always send one) is local."""
    if header is None:
        return "localhost"
    try:
        return urlsplit(f"//{header}").hostname or ""
    except ValueError:  # e.g. "[::1" is not a host
        return ""


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
