"""The emulator: both SMS and Voice APIs on one port of 127.0.0.1, state under one data dir.

A request carrying ``X-Amz-Target: PinpointSMSVoiceV2.*`` goes to the v2 API, any other to the
v1 REST API (see :mod:`.http_app` for the checks before them and :mod:`.serving` for the HTTP
server). Account and Region come from the request's SigV4 credential scope, as in AWS: the
Region from the scope, the account from an access key id of 12 digits (any other key id means
the default account). Each account and Region has its own state under
``<data-dir>/<account>/<region>/``; ``/_emulator/`` serves a control API (see :mod:`.control`).

At start the emulator takes an exclusive lock on the data dir (:mod:`.data_lock`), removes the
temporary files a crash left, and reads back every state file: one that cannot be read stops the
start with an error naming the file.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from .data_lock import DataDirLock
from .events import MESSAGES_FILE, EventRouting
from .http_app import EmulatorApp, render_server_error
from .identity import DEFAULT_ACCOUNT, DEFAULT_REGION, Identity, IdentityError
from .service import EmulatedService
from .serving import HttpServer
from .store import StateStore, remove_temporary_files
from .v1 import V1Service
from .v2 import V2Service

LOG = logging.getLogger("cdk_smsvoice.emulator")
Api = Literal["v1", "v2"]
MAX_SCOPES = 1_000
"""Account and Region pairs served at most by one emulator (memory stays bounded)."""


class TooManyScopesError(IdentityError):
    """The emulator already serves :data:`MAX_SCOPES` account and Region pairs."""


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
        self._lock = threading.RLock()
        self._thread: threading.Thread | None = None
        self._data_lock = DataDirLock(data_dir) if data_dir is not None else None
        self._http = HttpServer(EmulatorApp(self, host), host, port, render_server_error)
        try:
            if self._data_lock is not None:
                self._data_lock.acquire()
            self._load()
        except BaseException:
            self._http.close()
            self.events.close()
            if self._data_lock is not None and self._data_lock.held:
                self._data_lock.release()
            raise

    def _load(self) -> None:
        """Remove what a crash left and read back every account and Region of the data dir."""
        if self.data_dir is None:
            return
        for path in remove_temporary_files(self.data_dir):
            LOG.warning("removed %s, left by an interrupted write", path)
        for directory in sorted(self.data_dir.glob("*/*")):
            try:
                identity = Identity(directory.parent.name, directory.name)
            except IdentityError:
                continue  # not ours: nothing is ever named after it
            names = [f"{V1Service.service_name}.json", f"{V2Service.service_name}.json"]
            if any((directory / name).exists() for name in [*names, MESSAGES_FILE]):
                self.service("v1", identity.account, identity.region)
                self.service("v2", identity.account, identity.region)

    @property
    def endpoint_url(self) -> str:
        """Where clients send requests, e.g. ``http://127.0.0.1:4599``."""
        host, port = self._http.address
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    @property
    def port(self) -> int:
        """The port listened on."""
        return self._http.address[1]

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
        """The ``api`` of one account and Region, loaded from the data dir on first use; raises
        :class:`~.identity.IdentityError` unless the account is 12 digits and the Region an AWS
        Region (or beyond :data:`MAX_SCOPES` pairs).
        """
        key = (api, account, region)
        with self._lock:
            if key not in self._services:
                Identity(account, region)
                scopes = {(a, r) for _, a, r in self._services}
                if (account, region) not in scopes and len(scopes) >= MAX_SCOPES:
                    raise TooManyScopesError(
                        f"the emulator serves at most {MAX_SCOPES} account and Region pairs"
                    )
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
        message log they share); ``None`` without a data dir. Called under ``_lock``, with a
        checked account and Region.
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
        with self._lock:
            services = dict(self._services)
        result: dict[str, Any] = {}
        for (_, account, region), service in sorted(services.items()):
            with service._lock:
                state = service.to_state()
            if state["sets"]:
                result.setdefault(f"{account}/{region}", {})[service.service_name] = state
        return result

    def start(self) -> Emulator:
        """Serve in a background thread; returns ``self``."""
        self._thread = threading.Thread(
            target=self._http.run, name="smsvoice-emulator", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until :meth:`shutdown` (or :meth:`stop`) is called."""
        self._http.run()

    def shutdown(self) -> None:
        """Make :meth:`serve_forever` return; safe from a signal handler (it does not wait)."""
        threading.Thread(target=self._http.request_stop, daemon=True).start()

    def stop(self) -> None:
        """Stop serving, release the port and the data dir."""
        self._http.close()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.events.close()
        if self._data_lock is not None and self._data_lock.held:
            self._data_lock.release()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
