"""HTTP serving through waitress: the framing, the limits and the timeouts of the emulator.

waitress parses every request (chunked bodies are decoded, never read as a next request; a
``Content-Length`` that is not a number is a 400), buffers bodies beyond 512 KiB to disk, refuses
bodies of :data:`MAX_BODY_BYTES` or more with 413 before reading them, serves from a bounded pool
of :data:`THREADS` threads while one event loop reads and writes every connection (a slow client
holds no thread), accepts at most :data:`MAX_CONNECTIONS` connections and sets ``TCP_NODELAY`` on
each (no Nagle / delayed-ACK stall between keep-alive requests).

On top of waitress, this module adds:

* answers in the API's error shape for what waitress refuses itself (``render_error``);
* a read timeout: a request that stops arriving for :data:`READ_TIMEOUT_SECONDS`, or is still
  arriving after :data:`REQUEST_DEADLINE_SECONDS`, is answered 408 and the connection closed;
  an idle keep-alive connection is closed after :data:`KEEP_ALIVE_SECONDS`;
* a lingering close: after an answer that ends a connection (413, 408, 400), the rest of the
  client's request is read and dropped for up to :data:`LINGER_SECONDS`, so the client reads the
  answer instead of a reset;
* :class:`DropConnection`, which the app raises to close a connection without any answer (an
  injected lost response).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask, WSGITask
from waitress.utilities import BadRequest, Error
from waitress.wasyncore import close_all, loop

LOG = logging.getLogger("cdk_smsvoice.emulator")

MAX_BODY_BYTES = 256 * 1024
"""Largest request body accepted; 413 from there (the API's requests stay far below)."""
MAX_HEADER_BYTES = 64 * 1024
"""Largest request line plus headers; 431 beyond."""
THREADS = 8
"""Requests served at once; more wait in waitress's queue."""
READ_TIMEOUT_SECONDS = 5
"""A request that stops arriving for this long is answered 408."""
REQUEST_DEADLINE_SECONDS = 30
"""A request still arriving after this long is answered 408, however slowly it trickles in."""
KEEP_ALIVE_SECONDS = 30
"""An idle keep-alive connection is closed after this long."""
LOOP_WAKEUP_SECONDS = 0.5
"""Longest the event loop sleeps: how soon it sees a stop and runs maintenance."""
LINGER_SECONDS = 2
"""How long unread input is drained after an answer that closes the connection."""


def _connection_limit() -> int:
    try:
        import resource
    except ImportError:  # Windows: no file-descriptor limit to respect
        return 1000
    return max(64, min(1000, resource.getrlimit(resource.RLIMIT_NOFILE)[0] // 2))


MAX_CONNECTIONS = _connection_limit()
"""Open connections at most (half the process's file limit, at most 1000); more wait to be
accepted."""

ErrorRenderer = Callable[[int, str, Mapping[str, str], str], tuple[int, dict[str, str], bytes]]
"""``(status, message, request headers, path) -> (status, headers, body)``: an error answer."""


class DropConnection(Exception):  # noqa: N818 - an instruction, not an error
    """Raised by the WSGI app to close the connection without answering."""


class _RequestTimeoutError(Error):  # type: ignore[misc]
    code = 408
    reason = "Request Timeout"


class _ErrorTask(ErrorTask):  # type: ignore[misc]
    """An error waitress found before the app ran, answered through ``render_error``."""

    def execute(self) -> None:
        error = self.request.error
        raw = self.request.headers  # waitress's keys: upper case, "_" for "-"
        headers = {key.replace("_", "-").lower(): str(value) for key, value in raw.items()}
        server: _Server = self.channel.server
        status, out, body = server.render_error(
            error.code, str(error.body), headers, getattr(self.request, "path", "") or ""
        )
        self.status = f"{status} {HTTPStatus(status).phrase}"
        self.response_headers.extend(out.items())
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class _Task(WSGITask):  # type: ignore[misc]
    """A request answered by the app; :class:`DropConnection` closes without an answer."""

    def service(self) -> None:
        try:
            super().service()
        except DropConnection:
            self.close_on_finish = True


class _Channel(HTTPChannel):  # type: ignore[misc]
    """A connection: times its requests and lingers before it closes."""

    task_class = _Task
    error_task_class = _ErrorTask
    request: Any  # waitress's parser of the request being received, if any
    will_close: bool
    request_started = 0.0
    lingering_since: float | None = None

    def received(self, data: bytes) -> bool:
        if self.request is None:
            self.request_started = time.time()
        try:
            result: bool = super().received(data)
        except ValueError as err:  # waitress lets urlsplit's errors out (an unclosed "[")
            self._answer_error(BadRequest(f"the request target cannot be parsed: {err}"))
            return False
        return result

    def readable(self) -> bool:
        return True if self.lingering_since is not None else bool(super().readable())

    def writable(self) -> bool:
        return False if self.lingering_since is not None else bool(super().writable())

    def handle_read(self) -> None:
        if self.lingering_since is None:
            super().handle_read()
            return
        try:
            data = self.socket.recv(65536)
        except OSError:
            data = b""
        if not data or time.time() - self.lingering_since > LINGER_SECONDS:
            super().handle_close()

    def handle_close(self) -> None:
        """Close; when the server ends the connection, first stop writing and drain input."""
        if self.will_close and self.lingering_since is None and self.socket is not None:
            try:
                self.socket.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            else:
                self.lingering_since = time.time()
                self.will_close = False
                return
        super().handle_close()

    def time_out(self) -> None:
        """Answer the request being received 408 (called from the event loop)."""
        self._answer_error(
            _RequestTimeoutError(
                f"the request did not arrive within {READ_TIMEOUT_SECONDS} s of silence "
                f"or {REQUEST_DEADLINE_SECONDS} s in all"
            )
        )

    def _answer_error(self, error: Any) -> None:
        """End the request being received with ``error``, answered through ``render_error``."""
        with self.requests_lock:
            request = self.request
            if request is None or self.requests or self.will_close or self.close_when_flushed:
                return
            request.error = error
            request.completed = True
            self.request = None
            self.requests.append(request)
            self.server.add_task(self)


class _Server(TcpWSGIServer):  # type: ignore[misc]
    channel_class = _Channel
    render_error: ErrorRenderer

    def maintenance(self, now: float) -> None:
        for channel in list(self.active_channels.values()):
            if channel.lingering_since is not None:
                if now - channel.lingering_since > LINGER_SECONDS:
                    HTTPChannel.handle_close(channel)
            elif channel.requests:
                continue  # being answered
            elif channel.request is not None:
                if (
                    now - channel.last_activity > READ_TIMEOUT_SECONDS
                    or now - channel.request_started > REQUEST_DEADLINE_SECONDS
                ):
                    channel.time_out()
            elif now - channel.last_activity > KEEP_ALIVE_SECONDS:
                channel.will_close = True


class HttpServer:
    """A WSGI ``app`` served on ``host:port`` (port 0: any free one); binds at construction."""

    def __init__(self, app: Any, host: str, port: int, render_error: ErrorRenderer) -> None:
        adjustments = Adjustments(
            host=host,
            port=port,
            threads=THREADS,
            connection_limit=MAX_CONNECTIONS,
            channel_timeout=KEEP_ALIVE_SECONDS,
            cleanup_interval=1,
            max_request_body_size=MAX_BODY_BYTES,
            max_request_header_size=MAX_HEADER_BYTES,
            asyncore_use_poll=True,
            ident="cdk-smsvoice-emulator",
            expose_tracebacks=False,
        )
        self._server = _Server(app, map={}, adj=adjustments)
        self._server.render_error = render_error
        self._stop = threading.Event()
        self._stopped = threading.Event()
        self._running = False

    @property
    def address(self) -> tuple[str, int]:
        """The host and port listened on."""
        return str(self._server.effective_host), int(self._server.effective_port)

    def run(self) -> None:
        """Serve in this thread until :meth:`request_stop`; then close every connection."""
        self._running = True
        try:
            while not self._stop.is_set() and self._server._map:
                loop(timeout=LOOP_WAKEUP_SECONDS, map=self._server._map, use_poll=True, count=1)
        finally:
            close_all(self._server._map)
            self._running = False
            self._stopped.set()

    def request_stop(self) -> None:
        """Make :meth:`run` return soon; safe from any thread (it does not wait)."""
        self._stop.set()
        with contextlib.suppress(OSError):  # else the loop sees it within LOOP_WAKEUP_SECONDS
            self._server.trigger.pull_trigger()  # wake the loop now

    def close(self, timeout: int = 10) -> None:
        """Stop serving, wait for :meth:`run` to return and for the requests in flight."""
        self.request_stop()
        if self._running:
            self._stopped.wait(timeout)
        else:
            close_all(self._server._map)
        self._server.task_dispatcher.shutdown(cancel_pending=True, timeout=timeout)
