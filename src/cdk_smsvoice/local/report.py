"""What the user sees, through rich: one progress line per resource event while a run works
(stderr; on a terminal with a live spinner and coloured statuses, elsewhere plain lines with
no control codes), then a table of every configuration set, its destinations and what
changed (stdout), folded to the terminal's width. ``results_json`` is the same for scripts.
"""

import io
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO

from rich import box
from rich.console import Console
from rich.progress import Progress as RichProgress
from rich.progress import SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from .template_rules import STACK_TYPE

if TYPE_CHECKING:
    from .outcomes import ResourceResult, StackResult

_SINKS = {
    "SnsDestination": "sns",
    "CloudWatchLogsDestination": "logs",
    "KinesisFirehoseDestination": "firehose",
}
_GENERATIONS = {
    "Custom::SmsVoiceV2ConfigurationSet": "v2",
    "Custom::SmsVoiceV1ConfigurationSet": "v1",
}
_HEADER = ("RESOURCE", "API", "CONFIGURATION SET / SINK", "EVENTS", "CHANGE")
_RATIOS = {"RESOURCE": 2, "CONFIGURATION SET / SINK": 3, "EVENTS": 4, "CHANGE": 2, "STATUS": 2}
"""How the columns that wrap share a narrow terminal."""
_NOT_COMPARED = frozenset({"EventDestinations", "ServiceToken"})
_STYLES = {"COMPLETE": "green", "FAILED": "bold red", "IN_PROGRESS": "yellow", "SKIPPED": "cyan"}


class Progress:
    """Prints resource events as they happen, with the seconds since the run started; on a
    terminal, a spinner line counts the operations done while they run.
    """

    def __init__(
        self, stream: TextIO | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """Lines go to ``stream`` (stderr by default)."""
        self.console = Console(file=stream or sys.stderr, highlight=False)
        self._clock = clock
        self._started = clock()
        self._lock = threading.Lock()
        self._done = 0
        self._live: RichProgress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> "Progress":
        if self.console.is_terminal:
            self._live = RichProgress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            self._live.start()
            self._task = self._live.add_task("starting", total=None)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def _write(self, text: Text) -> None:
        with self._lock:
            console = self._live.console if self._live is not None else self.console
            console.print(text, soft_wrap=not self.console.is_terminal)

    def event(
        self, stack: str, status: str, resource_type: str, logical_id: str, detail: str = ""
    ) -> None:
        """``Stack | 1.2s | STATUS | Type | LogicalId[ | detail]``."""
        elapsed = self._clock() - self._started
        style = next((s for key, s in _STYLES.items() if status.endswith(key)), "")
        line = Text(f"{stack} | {elapsed:5.1f}s | ")
        line.append(status, style=style)
        line.append(f" | {resource_type} | {logical_id}")
        if detail:
            line.append(f" | {detail}")
        self._write(line)
        if resource_type != STACK_TYPE and not status.endswith("IN_PROGRESS"):
            with self._lock:
                self._done += 1
                if self._live is not None and self._task is not None:
                    self._live.update(self._task, description=f"{self._done} operations done")

    def failure(
        self, stack: str, status: str, resource_type: str, logical_id: str, error: BaseException
    ) -> None:
        """A failed event, its reason, and the end of the handler's log when there is one."""
        self.event(stack, status, resource_type, logical_id, str(error))
        tail = getattr(error, "log_tail", None)
        logs = tail() if callable(tail) else ""
        if logs:
            self._write(Text("\n".join(f"    {line}" for line in logs.splitlines()), style="dim"))

    def note(self, stack: str, message: str) -> None:
        """A remark about a stack."""
        self._write(Text(f"{stack}: {message}"))


@dataclass(frozen=True)
class _Destination:
    name: str
    sink: str
    enabled: str
    events: str
    fields: Mapping[str, Any]


def _destinations(properties: Mapping[str, Any] | None) -> dict[str, _Destination]:
    """The destinations of ``properties``, whatever their shape (a malformed value yields
    none rather than an error: the report never fails on what it reports).
    """
    found: dict[str, _Destination] = {}
    items = (properties or {}).get("EventDestinations") if isinstance(properties, dict) else None
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        sinks = [key for key in item if key in _SINKS]
        events = item.get("MatchingEventTypes")
        name = str(item.get("EventDestinationName"))
        found[name] = _Destination(
            name=name,
            sink=_SINKS[sinks[0]] if sinks else "?",
            enabled="no" if str(item.get("Enabled", "true")).lower() == "false" else "yes",
            events=", ".join(str(e) for e in events) if isinstance(events, list) else str(events),
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


def _set_name(result: "ResourceResult") -> str:
    properties = result.properties or result.old_properties or {}
    return str(properties.get("ConfigurationSetName", "")) if isinstance(properties, dict) else ""


def _destination_rows(result: "ResourceResult") -> list[tuple[_Destination, str]]:
    if result.change in ("deleted", "retained", "not created", "delete failed"):
        return []
    current = _destinations(result.properties)
    _, changes = (
        changed_fields(result.old_properties, result.properties)
        if result.change in ("updated", "replaced")
        else ([], {})
    )
    gone = _destinations(result.old_properties)
    rows = [(current[n], changes.get(n, "")) for n in current]
    rows += [(gone[n], c) for n, c in changes.items() if c == "removed" and n in gone]
    return rows


def _rows(result: "ResourceResult") -> list[tuple[str, ...]]:
    generation = _GENERATIONS.get(result.resource_type, "?")
    name, change = _set_name(result), _set_change(result)
    rows: list[tuple[str, ...]] = [(result.logical_id, generation, name, "", change)]
    for dest, change in _destination_rows(result):
        sink = dest.sink if dest.enabled == "yes" else f"{dest.sink}, disabled"
        rows.append((f"└ {dest.name}", "", sink, dest.events, change))
    return rows


def _stack_tables(
    label: str, resources: Sequence["ResourceResult"], nested: Sequence[tuple[str, Any]]
) -> list[tuple[str, list[tuple[str, ...]]]]:
    """``(title, rows)`` of a stack's sets, then of its nested stacks, titled
    ``<label>/<logical id>`` (under their parent).
    """
    sets = [r for r in resources if r.resource_type != STACK_TYPE]
    rows = [row for r in sets for row in _rows(r)]
    tables = [(label, rows)] if rows else []
    for logical_id, child in nested:
        tables.extend(_stack_tables(f"{label}/{logical_id}", *child))
    return tables


def _tables(
    tables: Sequence[tuple[str, list[tuple[str, ...]]]],
    header: Sequence[str],
    summary: Sequence[str],
    width: int | None,
) -> str:
    """The tables, each under its stack's name, then the summary lines, all folded to
    ``width`` columns (default 80).
    """
    console = Console(file=io.StringIO(), width=width or 80, color_system=None, highlight=False)
    for title, rows in tables:
        table = Table(
            box=box.SIMPLE_HEAD,
            show_edge=False,
            pad_edge=False,
            header_style="bold",
            title=f"{title}:",
            title_justify="left",
        )
        for name in header:
            table.add_column(name, overflow="fold", no_wrap=name not in _RATIOS)
        for row in rows:
            table.add_row(*(Text(cell) for cell in row))
        if console.measure(table).maximum > console.width:
            table.expand = True
            for column in table.columns:
                column.ratio = _RATIOS.get(str(column.header))
        console.print(table)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    rendered = "\n".join(line.rstrip() for line in str(text).splitlines())
    return "\n\n".join(part for part in (rendered, "\n".join(summary)) if part)


def _result_tree(stack: "StackResult") -> tuple[list[Any], list[tuple[str, Any]]]:
    return list(stack.resources), [(c.logical_id, _result_tree(c)) for c in stack.nested]


def render_results(results: Iterable["StackResult"], width: int | None = None) -> str:
    """The final report of a deploy or destroy: the table (``width`` columns at most,
    default 80), then one line per stack and nested stack.
    """
    results = list(results)
    tables = [t for stack in results for t in _stack_tables(stack.stack_name, *_result_tree(stack))]
    summary = [line for stack in results for line in _summary(stack, stack.stack_name)]
    return _tables(tables, _HEADER, summary, width)


def _summary(stack: "StackResult", label: str) -> list[str]:
    nested = [
        line for child in stack.nested for line in _summary(child, f"{label}/{child.logical_id}")
    ]
    if stack.status == "NO_CHANGES":
        return [f"{label}: no changes", *nested]
    if stack.status == "NO_RESOURCES":
        return [f"{label}: no SMS and Voice configuration sets", *nested]
    if stack.status == "NOT_DEPLOYED" and not stack.reason:
        return [f"{label}: not deployed, nothing to destroy", *nested]
    counts = Counter(
        r.change
        for r in stack.resources
        if r.change != "unchanged" and r.resource_type != STACK_TYPE
    )
    detail = ", ".join(f"{n} {change}" for change, n in counts.items())
    line = f"{label}: {stack.status}" + (f" ({detail})" if detail else "")
    return [f"{line}\n  reason: {stack.reason}" if stack.reason else line, *nested]


@dataclass
class StatusEntry:
    """One deployed stack as ``status`` shows it."""

    stack_name: str
    status: str
    resources: Sequence["ResourceResult"]
    nested: Sequence[tuple[str, "StatusEntry"]] = ()
    orphaned: bool = False


def render_status(stacks: Iterable[StatusEntry], width: int | None = None) -> str:
    """The table of what is deployed, then one line per stack (orphans flagged)."""
    tables: list[tuple[str, list[tuple[str, ...]]]] = []
    summary: list[str] = []

    def walk(label: str, entry: StatusEntry) -> None:
        flag = " ORPHANED: gone from cdk.out; `local destroy` removes it" if entry.orphaned else ""
        summary.append(f"{label}: {entry.status}{flag}")
        for logical_id, child in entry.nested:
            walk(f"{label}/{logical_id}", child)

    def tree(entry: StatusEntry) -> tuple[Sequence[Any], list[tuple[str, Any]]]:
        return entry.resources, [(lid, tree(child)) for lid, child in entry.nested]

    for entry in stacks:
        tables.extend(_stack_tables(entry.stack_name, *tree(entry)))
        walk(entry.stack_name, entry)
    if not summary:
        return "nothing deployed"
    return _tables(tables, (*_HEADER[:-1], "STATUS"), summary, width)


def _resource_json(result: "ResourceResult") -> dict[str, Any]:
    return {
        "logical_id": result.logical_id,
        "type": result.resource_type,
        "api": _GENERATIONS.get(result.resource_type),
        "configuration_set_name": _set_name(result) or None,
        "change": result.change,
        "reason": result.reason or None,
        "destinations": [
            {
                "name": dest.name,
                "sink": dest.sink,
                "enabled": dest.enabled == "yes",
                "events": dest.events.split(", ") if dest.events else [],
                "change": change or None,
            }
            for dest, change in _destination_rows(result)
        ],
    }


def results_json(results: Iterable["StackResult"]) -> dict[str, Any]:
    """The results as one JSON document: ``{"stacks": [...]}``, nested stacks inside their
    parent's ``nested``.
    """

    def stack(result: "StackResult") -> dict[str, Any]:
        return {
            "stack": result.stack_name,
            "logical_id": result.logical_id or None,
            "status": result.status,
            "failed": result.failed,
            "reason": result.reason or None,
            "resources": [
                _resource_json(r) for r in result.resources if r.resource_type != STACK_TYPE
            ],
            "nested": [stack(child) for child in result.nested],
        }

    return {"stacks": [stack(result) for result in results]}


def status_json(entries: Iterable[StatusEntry]) -> dict[str, Any]:
    """What ``status`` shows, as one JSON document."""

    def stack(entry: StatusEntry, logical_id: str | None) -> dict[str, Any]:
        return {
            "stack": entry.stack_name,
            "logical_id": logical_id,
            "status": entry.status,
            "orphaned": entry.orphaned,
            "resources": [
                _resource_json(r) for r in entry.resources if r.resource_type != STACK_TYPE
            ],
            "nested": [stack(child, lid) for lid, child in entry.nested],
        }

    return {"stacks": [stack(entry, None) for entry in entries]}
