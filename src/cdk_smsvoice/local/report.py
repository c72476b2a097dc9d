"""What the user sees: one progress line per resource event while a run works (stderr, plain
lines for CI logs), then a table of every configuration set, its destinations and what
changed.
"""

import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from .engine import ResourceResult, StackResult

_SINKS = {
    "SnsDestination": "sns",
    "CloudWatchLogsDestination": "cloudwatch-logs",
    "KinesisFirehoseDestination": "firehose",
}
_GENERATIONS = {
    "Custom::SmsVoiceV2ConfigurationSet": "v2",
    "Custom::SmsVoiceV1ConfigurationSet": "v1",
}
_HEADER = (
    "STACK",
    "RESOURCE",
    "API",
    "CONFIGURATION SET",
    "DESTINATION",
    "SINK",
    "ENABLED",
    "EVENTS",
    "CHANGE",
)
_NOT_COMPARED = frozenset({"EventDestinations", "ServiceToken"})


class Progress:
    """Prints resource events as they happen, with the seconds since the run started."""

    def __init__(
        self, stream: TextIO | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """Lines go to ``stream`` (stderr by default)."""
        self._stream = stream
        self._clock = clock
        self._started = clock()
        self._lock = threading.Lock()

    def _write(self, text: str) -> None:
        stream = self._stream or sys.stderr
        with self._lock:
            stream.write(text + "\n")
            stream.flush()

    def event(
        self, stack: str, status: str, resource_type: str, logical_id: str, detail: str = ""
    ) -> None:
        """``Stack | 1.2s | STATUS | Type | LogicalId[ | detail]``."""
        elapsed = self._clock() - self._started
        line = f"{stack} | {elapsed:5.1f}s | {status} | {resource_type} | {logical_id}"
        self._write(f"{line} | {detail}" if detail else line)

    def failure(
        self, stack: str, status: str, resource_type: str, logical_id: str, error: BaseException
    ) -> None:
        """A failed event, its reason, and the end of the handler's log when there is one."""
        self.event(stack, status, resource_type, logical_id, str(error))
        tail = getattr(error, "log_tail", None)
        logs = tail() if callable(tail) else ""
        if logs:
            self._write("\n".join(f"    {line}" for line in logs.splitlines()))

    def note(self, stack: str, message: str) -> None:
        """A remark about a stack."""
        self._write(f"{stack}: {message}")


@dataclass(frozen=True)
class _Destination:
    name: str
    sink: str
    enabled: str
    events: str
    fields: Mapping[str, Any]


def _destinations(properties: Mapping[str, Any] | None) -> dict[str, _Destination]:
    found: dict[str, _Destination] = {}
    for item in (properties or {}).get("EventDestinations") or []:
        sinks = [key for key in item if key in _SINKS]
        found[str(item.get("EventDestinationName"))] = _Destination(
            name=str(item.get("EventDestinationName")),
            sink=_SINKS[sinks[0]] if sinks else "?",
            enabled="no" if str(item.get("Enabled", "true")).lower() == "false" else "yes",
            events=",".join(str(e) for e in item.get("MatchingEventTypes") or []),
            fields=item,
        )
    return found


def changed_fields(
    old: Mapping[str, Any] | None, new: Mapping[str, Any] | None
) -> tuple[list[str], dict[str, str]]:
    """The set-level properties that differ, and per destination name what became of it:
    ``added``, ``removed`` or ``changed: <members>``. Unchanged destinations are left out.
    """
    old, new = old or {}, new or {}
    fields = sorted(key for key in {*old, *new} - _NOT_COMPARED if old.get(key) != new.get(key))
    before, after = _destinations(old), _destinations(new)
    destinations: dict[str, str] = {}
    for name in [*after, *(n for n in before if n not in after)]:
        if name not in before:
            destinations[name] = "added"
        elif name not in after:
            destinations[name] = "removed"
        elif before[name].fields != after[name].fields:
            a, b = before[name].fields, after[name].fields
            members = sorted(k for k in {*a, *b} if a.get(k) != b.get(k))
            destinations[name] = f"changed: {', '.join(members)}"
    return fields, destinations


def _set_change(result: "ResourceResult") -> str:
    if result.change not in ("updated", "replaced"):
        return result.change
    fields, destinations = changed_fields(result.old_properties, result.properties)
    if result.change == "replaced":
        old_name = (result.old_properties or {}).get("ConfigurationSetName")
        return f"replaced (was {old_name})"
    parts = [*fields, *(["destinations"] if destinations else [])]
    return f"updated: {', '.join(parts)}"


def _rows(stack: str, result: "ResourceResult") -> list[tuple[str, ...]]:
    properties = result.properties or result.old_properties or {}
    name = str(properties.get("ConfigurationSetName", ""))
    generation = _GENERATIONS.get(result.resource_type, "?")
    rows: list[tuple[str, ...]] = [
        (stack, result.logical_id, generation, name, "", "", "", "", _set_change(result))
    ]
    if result.change in ("deleted", "retained", "not created", "delete failed"):
        return rows
    current = _destinations(result.properties)
    _, destination_changes = (
        changed_fields(result.old_properties, result.properties)
        if result.change in ("updated", "replaced")
        else ([], {})
    )
    gone = _destinations(result.old_properties)
    for dest_name, change in [
        *((n, destination_changes.get(n, "")) for n in current),
        *((n, c) for n, c in destination_changes.items() if c == "removed"),
    ]:
        dest = current.get(dest_name) or gone[dest_name]
        rows.append(("", "", "", "", dest.name, dest.sink, dest.enabled, dest.events, change))
    return rows


def _table(rows: Sequence[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(_HEADER))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


def render_results(results: Iterable["StackResult"]) -> str:
    """The final report of a deploy or destroy: the table, then one line per stack."""
    results = list(results)
    rows: list[tuple[str, ...]] = [_HEADER]
    for stack in results:
        for resource in stack.resources:
            rows.extend(_rows(stack.stack_name, resource))
    summary = [_summary(stack) for stack in results]
    table = _table(rows) + "\n\n" if len(rows) > 1 else ""
    return table + "\n".join(summary)


def _summary(stack: "StackResult") -> str:
    if stack.status == "NO_CHANGES":
        return f"{stack.stack_name}: no changes"
    if stack.status == "NO_RESOURCES":
        return f"{stack.stack_name}: no SMS and Voice configuration sets"
    if stack.status == "NOT_DEPLOYED" and not stack.reason:
        return f"{stack.stack_name}: not deployed, nothing to destroy"
    counts = Counter(r.change for r in stack.resources if r.change != "unchanged")
    detail = ", ".join(f"{n} {change}" for change, n in counts.items())
    line = f"{stack.stack_name}: {stack.status}" + (f" ({detail})" if detail else "")
    return f"{line}\n  reason: {stack.reason}" if stack.reason else line


def render_status(
    stacks: Iterable[tuple[str, str, Sequence["ResourceResult"]]],
) -> str:
    """The table of what is deployed: ``(stack name, status, resources)`` per stack."""
    rows: list[tuple[str, ...]] = [(*_HEADER[:-1], "STATUS")]
    summary = []
    for stack_name, status, resources in stacks:
        for resource in resources:
            rows.extend(_rows(stack_name, resource))
        summary.append(f"{stack_name}: {status}")
    if not summary:
        return "nothing deployed"
    return _table(rows) + "\n\n" + "\n".join(summary)
