"""An exclusive lock on the emulator's data directory, so two emulators never share one.

The lock is ``<data-dir>/.lock`` (an OS file lock through :mod:`filelock`, released by the OS when
the process dies, even on SIGKILL); the holder's pid is written beside it in ``<data-dir>/.owner``
so the refusal can name it. The lock file sits inside the data directory, never in its parent, so
a tool that locks the parent (``cdk-smsvoice local`` locks its state dir) can embed an emulator.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from filelock import FileLock, Timeout

LOCK_FILE = ".lock"
OWNER_FILE = ".owner"


class DataDirError(RuntimeError):
    """The data directory cannot be used: the message names it and why."""


class DataDirLockedError(DataDirError):
    """Another emulator holds the data directory."""


class DataDirLock:
    """Holds ``<data_dir>/.lock`` from :meth:`acquire` to :meth:`release`."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._lock = FileLock(data_dir / LOCK_FILE, timeout=0, thread_local=False)

    def acquire(self) -> None:
        """Take the lock; raises :class:`DataDirLockedError` naming the dir and the holder, or
        :class:`DataDirError` if the dir cannot be created or written.
        """
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self._lock.acquire()
        except Timeout:
            raise DataDirLockedError(
                f"data dir {self.data_dir.resolve()} is in use by another emulator "
                f"({self._holder()}); stop it or pass another --data-dir"
            ) from None
        except OSError as err:
            raise DataDirError(f"cannot use data dir {self.data_dir}: {err}") from err
        try:
            (self.data_dir / OWNER_FILE).write_text(json.dumps({"pid": os.getpid()}) + "\n")
        except OSError as err:
            self._lock.release()
            raise DataDirError(f"cannot write to data dir {self.data_dir}: {err}") from err

    @property
    def held(self) -> bool:
        """Whether this process holds the lock."""
        return bool(self._lock.is_locked)

    def release(self) -> None:
        """Let go of the lock (the owner file stays: the next holder rewrites it)."""
        self._lock.release()

    def _holder(self) -> str:
        try:
            pid = json.loads((self.data_dir / OWNER_FILE).read_text())["pid"]
        except (OSError, ValueError, KeyError, TypeError):
            return "pid unknown"
        return f"pid {pid}"
