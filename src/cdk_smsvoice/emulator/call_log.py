"""A list that keeps only its newest entries: the services' in-memory call and request logs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import SupportsIndex, TypeVar

T = TypeVar("T")

MAX_LOG_ENTRIES = 1_000
"""Default entries kept by each log."""
MAX_LOG_BYTES = 16 * 1024 * 1024
"""Default bytes of request bodies kept by each log (see :meth:`BoundedLog.record`)."""


class BoundedLog(list[T]):
    """A list that drops its oldest entries beyond ``max_entries`` (default
    :data:`MAX_LOG_ENTRIES`) or beyond ``max_bytes`` (default :data:`MAX_LOG_BYTES`) of recorded
    sizes; compares, indexes and iterates as a list.
    """

    def __init__(self, max_entries: int = MAX_LOG_ENTRIES, max_bytes: int = MAX_LOG_BYTES) -> None:
        super().__init__()
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._sizes: list[int] = []

    def record(self, item: T, size: int) -> None:
        """Append ``item``, which holds about ``size`` bytes, and drop the oldest as needed."""
        if len(self._sizes) != len(self):  # the list was changed through other list methods
            self._sizes = [0] * len(self)
        super().append(item)
        self._sizes.append(size)
        drop = max(0, len(self) - self.max_entries)
        held = sum(self._sizes[drop:])
        while held > self.max_bytes and drop < len(self) - 1:
            held -= self._sizes[drop]
            drop += 1
        if drop:
            super().__delitem__(slice(None, drop))
            del self._sizes[:drop]

    def append(self, item: T) -> None:
        """Append ``item`` (counted as 0 bytes)."""
        self.record(item, 0)

    def extend(self, items: Iterable[T]) -> None:
        """Append each of ``items``."""
        for item in items:
            self.record(item, 0)

    def clear(self) -> None:
        """Remove every entry."""
        super().clear()
        self._sizes.clear()

    def __delitem__(self, index: SupportsIndex | slice) -> None:
        super().__delitem__(index)
        if len(self._sizes) != len(self):
            self._sizes = [0] * len(self)
