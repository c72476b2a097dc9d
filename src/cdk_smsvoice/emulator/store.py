"""Durable state under the emulator's data directory.

A service's state is one compact JSON file, replaced atomically (write a temporary file, fsync,
rename, fsync the directory) before a change is acknowledged, so a crash between requests loses
nothing that was answered; temporary files a crash leaves behind are removed at the next start
(:func:`remove_temporary_files`). Messages and event records are JSON lines appended and fsynced;
a line cut short by a crash is dropped when the file is next opened. Directories are created on
the first write, never by a read.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from ..durable_files import fsync_directory, write_bytes_atomically

READ_LINES_MAX_BYTES = 16 * 1024 * 1024
"""How much of a JSON-lines file's end :meth:`StateStore.read_lines` reads back by default."""


class StateFileError(RuntimeError):
    """A file of the data directory cannot be read back; the message names it and why."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(
            f"cannot read emulator state file {path}: {problem}. Repair it, or move it away "
            "to start without that state."
        )
        self.path = path


class StateStore:
    """Reads and writes the state, messages and event records kept under ``data_dir``."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._lock = threading.Lock()
        self._repaired: set[Path] = set()

    def state_path(self, name: str) -> Path:
        """The state file of service ``name``."""
        return self.data_dir / f"{name}.json"

    def load(self, name: str) -> Any:
        """The saved state of service ``name``, or ``None`` before its first change; raises
        :class:`StateFileError` if the file cannot be read or is not JSON.
        """
        path = self.state_path(name)
        if not path.exists():
            return None
        try:
            return json.loads(path.read_bytes().decode("utf-8"))
        except (OSError, ValueError) as err:
            raise StateFileError(path, str(err)) from err

    def save(self, name: str, state: dict[str, Any]) -> None:
        """Replace the state of service ``name`` atomically and durably."""
        path = self.state_path(name)
        data = json.dumps(state, sort_keys=True, separators=(",", ":")).encode() + b"\n"
        with self._lock:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_bytes_atomically(path, data)

    def append(self, relative: str, records: list[dict[str, Any]]) -> Path:
        """Append ``records`` as JSON lines to ``relative`` (under the data dir), durably."""
        path = self.data_dir / relative
        with self._lock:
            created = not path.exists()
            path.parent.mkdir(parents=True, exist_ok=True)
            self._repair(path)
            with path.open("a") as handle:
                handle.writelines(json.dumps(r, sort_keys=True) + "\n" for r in records)
                handle.flush()
                os.fsync(handle.fileno())
            if created:
                fsync_directory(path.parent)
        return path

    def read_lines(
        self, relative: str, max_bytes: int = READ_LINES_MAX_BYTES
    ) -> list[dict[str, Any]]:
        """The complete JSON lines of ``relative`` that lie in its last ``max_bytes`` (default
        :data:`READ_LINES_MAX_BYTES`); a trailing partial line, and a line cut by that bound, are
        ignored. Raises :class:`StateFileError` if the file cannot be read or a complete line is
        not JSON.
        """
        path = self.data_dir / relative
        if not path.exists():
            return []
        try:
            with path.open("rb") as handle:
                size = handle.seek(0, os.SEEK_END)
                start = max(0, size - max_bytes)
                handle.seek(start)
                data = handle.read(size - start)
            if start:
                data = data[data.find(b"\n") + 1 :]
            complete = data[: data.rfind(b"\n") + 1].decode("utf-8")
            return [json.loads(line) for line in complete.splitlines() if line]
        except (OSError, ValueError) as err:
            raise StateFileError(path, str(err)) from err

    def _repair(self, path: Path) -> None:
        """Cut a line left incomplete by a crash, once per file and process."""
        if path in self._repaired or not path.exists():
            self._repaired.add(path)
            return
        data = path.read_bytes()
        keep = data.rfind(b"\n") + 1
        if keep != len(data):
            with path.open("r+b") as handle:
                handle.truncate(keep)
                os.fsync(handle.fileno())
        self._repaired.add(path)


def remove_temporary_files(data_dir: Path) -> list[Path]:
    """Remove the temporary files of atomic writes a crash left under ``data_dir``'s
    ``<account>/<region>/`` directories; returns them.
    """
    left = sorted(data_dir.glob("*/*/.*.tmp"))
    for path in left:
        path.unlink(missing_ok=True)
    return left
