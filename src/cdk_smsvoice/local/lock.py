"""One run at a time on a state directory: an exclusive ``flock`` on ``<state-dir>/.lock``
(through ``filelock``), released by the kernel when the holder exits, even on SIGKILL.

The lock covers everything under the state directory, the embedded emulator's data dir
(``<state-dir>/emulator``, which also carries the emulator's own ``.lock``) included. The
holder writes its pid to ``<state-dir>/.lock.pid`` so that a second run can name it.
"""

import os
import time
from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout

LOCK_NAME = ".lock"
PID_NAME = ".lock.pid"


class StateLockedError(RuntimeError):
    """Another run holds the state directory."""


class StateLock:
    """``with StateLock(state_dir):`` holds the directory or raises ``StateLockedError`` at
    once (no waiting).
    """

    def __init__(self, state_dir: Path) -> None:
        """The lock of ``state_dir`` (created when missing)."""
        self.state_dir = state_dir
        self._lock: FileLock | None = None

    def holder(self, patience: float = 1.0) -> str:
        """The pid the holder recorded; the holder writes it just after it took the lock, so
        this waits up to ``patience`` seconds for it, then says ``unknown``.
        """
        deadline = time.monotonic() + patience
        while True:
            try:
                text = (self.state_dir / PID_NAME).read_text(encoding="utf-8").strip()
            except OSError:
                text = ""
            if text.isdigit() or time.monotonic() >= deadline:
                return text if text.isdigit() else "unknown"
            time.sleep(0.02)

    def __enter__(self) -> "StateLock":
        self.state_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(self.state_dir / LOCK_NAME, timeout=0, thread_local=False)
        try:
            lock.acquire()
        except Timeout:
            raise StateLockedError(
                f"{self.state_dir} is in use by another cdk-smsvoice local run (pid "
                f"{self.holder()}); wait for it to finish, or pass another --state-dir"
            ) from None
        self._lock = lock
        (self.state_dir / PID_NAME).write_text(f"{os.getpid()}\n", encoding="utf-8")
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._lock is not None:
            (self.state_dir / PID_NAME).unlink(missing_ok=True)
            self._lock.release()
            self._lock = None
