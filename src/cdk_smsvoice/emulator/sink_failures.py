"""The records that did not reach their sink: counted, kept, logged and written down, bounded.

Every record that does not reach its sink is counted, per destination (``failed``: its
delivery finally failed, the destination has no endpoint, or the emulator stopped before
delivering it; ``dropped``: its destination's queue was full). Entries describe them: per
destination and :data:`SUMMARY_INTERVAL` seconds, the first :data:`DETAILED_PER_INTERVAL`
records have an entry each, and the others one summary entry at the end of the interval
(``count`` says how many records an entry stands for; a summary names the last of them). The
newest entries are kept in memory; a background thread writes them down in batches, so the
thread reporting a failure (a send's) never does disk I/O. Logging is bounded the same way: a
warning for the first failure of each interval, one summary line for the rest.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

LOG = logging.getLogger("cdk_smsvoice.emulator.sinks")
SUMMARY_INTERVAL = 10.0
DETAILED_PER_INTERVAL = 10
MAX_KEYS = 1024
"""Destinations counted apart at most; beyond them, failures count under ``("*", "*")``."""
MAX_UNWRITTEN = 10_000
"""Entries waiting to be written at most; beyond them, entries are kept in memory only."""
FailureLog = Callable[[list[dict[str, Any]]], None]
"""Where entries are written down (a batch at a time), as :meth:`DeliveryFailure.to_api`."""
Key = tuple[str, str]


@dataclass(frozen=True)
class DeliveryFailure:
    """Records that did not reach their sink: one, or ``count`` of them (the last named)."""

    sink_type: str
    arn: str
    message_id: str
    event_type: str
    attempts: int
    error: str
    time: float
    count: int = 1

    def to_api(self) -> dict[str, Any]:
        """As the control API shows it."""
        return {
            "sinkType": self.sink_type,
            "arn": self.arn,
            "messageId": self.message_id,
            "eventType": self.event_type,
            "attempts": self.attempts,
            "error": self.error,
            "time": self.time,
            "count": self.count,
        }


@dataclass
class _Window:
    start: float
    detailed: int = 0
    suppressed: int = 0
    last: DeliveryFailure | None = None
    quiet: bool = False  # the last suppressed failure is not to be logged


class FailureLedger:
    """See the module docstring. ``write`` (default: none) writes entries down; ``keep``
    (default 1000) entries stay in memory; ``interval`` (default :data:`SUMMARY_INTERVAL`) and
    ``detailed`` (default :data:`DETAILED_PER_INTERVAL`) bound entries and warnings.
    """

    def __init__(
        self,
        write: FailureLog | None = None,
        *,
        keep: int = 1000,
        interval: float = SUMMARY_INTERVAL,
        detailed: int = DETAILED_PER_INTERVAL,
    ) -> None:
        self.interval = interval
        self.detailed = detailed
        self._write = write
        self._entries: deque[DeliveryFailure] = deque(maxlen=keep)
        self._counts: dict[Key, dict[str, int]] = {}
        self._windows: dict[Key, _Window] = {}
        self._unwritten: list[dict[str, Any]] = []
        self._writing = 0  # entries taken by the writer and not yet written
        self._lock = threading.Condition()
        self._wake = threading.Event()
        self._writer: threading.Thread | None = None

    def record(
        self, failure: DeliveryFailure, *, dropped: bool = False, quiet: bool = False
    ) -> None:
        """Count ``failure`` (``dropped``: its queue was full) and describe it as bounded;
        ``quiet``: log no warning of its own (the caller told why already).
        """
        key = (failure.sink_type, failure.arn)
        with self._lock:
            if key not in self._counts and len(self._counts) >= MAX_KEYS:
                key = ("*", "*")
            counts = self._counts.setdefault(key, {"failed": 0, "dropped": 0})
            counts["dropped" if dropped else "failed"] += 1
            now = time.monotonic()
            window = self._windows.get(key)
            summaries = []
            if window is not None and now - window.start >= self.interval:
                summaries = self._close(key)
                window = None
            if window is None:
                window = self._windows[key] = _Window(now)
            first = window.detailed == 0 and not quiet
            if window.detailed < self.detailed:
                window.detailed += 1
                self._keep(failure)
            else:
                window.suppressed += 1
                window.last = failure
                window.quiet = quiet
            self._start_writer()
        _log(summaries)
        if first:
            LOG.warning(
                "event record not delivered to %s %s: %s (more failures there within %.0f s "
                "are summed up in one line)",
                *_named(failure),
                self.interval,
            )

    def counts(self) -> dict[Key, dict[str, int]]:
        """``{(sink type, ARN): {"failed": n, "dropped": n}}`` of every destination so far."""
        with self._lock:
            return {key: dict(value) for key, value in self._counts.items()}

    @property
    def total(self) -> int:
        """Records that did not reach their sink, all destinations."""
        with self._lock:
            return sum(c["failed"] + c["dropped"] for c in self._counts.values())

    def entries(self) -> list[DeliveryFailure]:
        """The entries kept, oldest first."""
        with self._lock:
            return list(self._entries)

    def flush(self, timeout: float, *, summarize: bool = False) -> bool:
        """Wait until every entry so far is written (``True``) or ``timeout`` seconds pass;
        ``summarize`` first ends every interval, so suppressed records get their summary now.
        """
        deadline = time.monotonic() + timeout
        with self._lock:
            keys = list(self._windows) if summarize else []
            summaries = [s for key in keys for s in self._close(key)]
            self._start_writer()
        _log(summaries)
        self._wake.set()
        with self._lock:
            while self._unwritten or self._writing:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
            return True

    # ---------------------------------------------------------------- internals

    def _keep(self, failure: DeliveryFailure) -> None:
        """Keep an entry and queue it for writing; called under the lock."""
        self._entries.append(failure)
        if self._write is not None and len(self._unwritten) < MAX_UNWRITTEN:
            self._unwritten.append(failure.to_api())
            self._wake.set()

    def _close(self, key: Key) -> list[DeliveryFailure]:
        """End the interval of ``key`` with its summary entry, if any; returns it unless it is
        not to be logged. Called under the lock.
        """
        window = self._windows.pop(key)
        if not window.suppressed or window.last is None:
            return []
        last = window.last
        summary = replace(
            last,
            count=window.suppressed,
            error=f"{window.suppressed} records not delivered; the last: {last.error}",
        )
        self._keep(summary)
        return [] if window.quiet else [summary]

    def _start_writer(self) -> None:
        """Start the writer unless it runs; called under the lock."""
        if self._writer is None:
            self._writer = threading.Thread(
                target=self._write_loop, name="sink failures", daemon=True
            )
            self._writer.start()

    def _write_loop(self) -> None:
        """Write entries down and end intervals; stop when there is nothing left to do."""
        while True:
            self._wake.wait(self.interval / 4)
            self._wake.clear()
            now = time.monotonic()
            with self._lock:
                expired = [k for k, w in self._windows.items() if now - w.start >= self.interval]
                summaries = [s for key in expired for s in self._close(key)]
                batch, self._unwritten = self._unwritten, []
                self._writing = len(batch)
            _log(summaries)
            if batch and self._write is not None:
                try:
                    self._write(batch)
                except OSError as problem:  # a full disk must not stop the deliveries
                    LOG.error("cannot write down %d failed deliveries: %s", len(batch), problem)
            with self._lock:
                self._writing = 0
                self._lock.notify_all()
                if not self._unwritten and not self._windows:
                    self._writer = None
                    return


def _log(summaries: list[DeliveryFailure]) -> None:
    for summary in summaries:
        LOG.warning("%s %s: %s", *_named(summary))


def _named(failure: DeliveryFailure) -> tuple[str, str, str]:
    return failure.sink_type, failure.arn, failure.error
