"""Create, Update and Delete of a configuration set, in any API generation.

The rules (DESIGN.md, "The custom resource contract"):
- Create is all or nothing, and never adopts an existing set.
- Update reads the live set once, then makes only the calls the difference needs; a destination
  that drifted away is re-created. Only destinations and settings that the old properties
  declared are ever removed: whatever someone added by hand is left alone.
- A name change is a replacement: Update creates the new set; CloudFormation deletes the old.
- Delete is idempotent and deletes only a set this resource made.
- After Create or Update, every declared destination and setting is applied, or the event fails
  naming what was not (:func:`_check_applied`).
"""

import hashlib
import logging
import re
from dataclasses import dataclass, replace

from .backend import Backend, Ownership, SetAlreadyExistsError
from .model import ConfigurationSetSpec, LiveSet

LOG = logging.getLogger(__name__)

_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


class SetTakenError(RuntimeError):
    """The configuration set name belongs to a set this resource did not create."""


class NotAppliedError(RuntimeError):
    """Create or Update ended without applying something the properties declare."""


@dataclass(frozen=True)
class Request:
    """The parts of a CloudFormation event the lifecycle needs."""

    request_id: str
    owner: str
    """Identifies the custom resource: its stack id and logical id."""
    subject: str
    """How messages name the resource."""

    def token(self, *parts: str) -> str:
        """An idempotency token for one call of this request."""
        digest = hashlib.sha256("/".join((self.request_id, *parts)).encode()).hexdigest()
        return digest[:64]


@dataclass(frozen=True)
class Outcome:
    """What to report to CloudFormation."""

    physical_resource_id: str
    data: dict[str, str]


def owner_id(stack_id: str, logical_id: str) -> str:
    """The ownership tag value: readable when it fits in 256 characters, hashed otherwise."""
    value = f"{stack_id}#{logical_id}"
    if len(value) <= 256:
        return value
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()


def create(backend: Backend, request: Request, spec: ConfigurationSetSpec) -> Outcome:
    """Create the set, its destinations and its defaults; on failure undo what was created."""
    try:
        backend.create_set(spec, request.owner, request.token("set", spec.name))
    except SetAlreadyExistsError:
        raise SetTakenError(
            f"{request.subject}: a configuration set named '{spec.name}' already exists in this "
            "account and Region, and this stack did not create it. cdk-smsvoice never adopts an "
            "existing set: choose another configuration_set_name (or omit it to get a generated "
            "one), or delete the existing set first. The existing set was not modified."
        ) from None
    try:
        _populate(backend, request, spec)
    except Exception as error:
        _undo_create(backend, request, spec.name, error)
        raise
    return Outcome(spec.name, backend.attributes(spec.name))


def _populate(backend: Backend, request: Request, spec: ConfigurationSetSpec) -> None:
    state = LiveSet(name=spec.name, tags=dict(spec.tags))
    for destination in spec.destinations:
        backend.create_destination(
            spec.name, destination, request.token("destination", spec.name, destination.name)
        )
        state.destinations[destination.name] = destination
    backend.apply_settings(spec, None, state)
    _check_applied(request, spec, state)


def _check_applied(request: Request, spec: ConfigurationSetSpec, state: LiveSet) -> None:
    """Fail unless ``state`` (the set as the calls made left it) holds all ``spec`` declares."""
    missing = state.unapplied(spec)
    if missing:
        raise NotAppliedError(
            f"{request.subject}: these declared values were not applied to configuration set "
            f"'{spec.name}': {', '.join(missing)}. No call applies them as given; correct them "
            "in the construct's props."
        )


def _undo_create(backend: Backend, request: Request, name: str, error: Exception) -> None:
    LOG.error(
        "%s: create failed (%s); deleting the set this request created", request.subject, error
    )
    backend.begin_cleanup()
    try:
        backend.delete_set(name)
    except Exception as cleanup_error:  # report both: the user must clean up by hand
        error.add_note(
            f"Cleanup also failed, so configuration set '{name}' may remain: delete it by hand. "
            f"Cleanup error: {cleanup_error}"
        )


def update(
    backend: Backend,
    request: Request,
    physical_id: str,
    spec: ConfigurationSetSpec,
    old: ConfigurationSetSpec | None,
) -> Outcome:
    """Converge the live set on ``spec``; a new name is a replacement."""
    if spec.name != physical_id:
        return _replace(backend, request, spec)
    if old is not None and old.name != physical_id:
        # The old properties describe another set: this is the rollback of a rename that
        # failed, so nothing they declare was ever applied here and nothing may be removed.
        old = None
    live = backend.read_set(spec.name)
    if live is None:
        LOG.warning(
            "%s: set '%s' is gone (deleted out of band); creating it again",
            request.subject,
            spec.name,
        )
        return create(backend, request, spec)
    reconcile(backend, request, spec, old, live)
    return Outcome(spec.name, backend.attributes(spec.name))


def _replace(backend: Backend, request: Request, spec: ConfigurationSetSpec) -> Outcome:
    try:
        return create(backend, request, spec)
    except SetTakenError as taken:
        # A rollback that undoes a rename reaches here: the set with the old name still
        # exists, because CloudFormation deletes replaced resources only after success.
        live = _own_set_back(backend, request, spec, taken)
        if live is None:
            return create(backend, request, spec)
        LOG.info(
            "%s: set '%s' was made by this resource; converging it", request.subject, spec.name
        )
        reconcile(backend, request, spec, None, live)
        return Outcome(spec.name, backend.attributes(spec.name))


def _own_set_back(
    backend: Backend, request: Request, spec: ConfigurationSetSpec, taken: SetTakenError
) -> LiveSet | None:
    """The live set when it is this resource's own (raise ``taken`` when it is not).

    With an ownership tag (v2) the tag decides. Without one (v1), the set counts as ours only
    when every destination ``spec`` declares (at least one) is live exactly as declared: a
    rename's rollback finds the old set as the resource left it, while a stranger's set would
    have to match every destination, sink ARN and event type.
    """
    owned = backend.ownership(spec.name, request.owner)
    if owned is Ownership.FOREIGN:
        raise taken
    live = backend.read_set(spec.name)
    if owned is Ownership.UNKNOWN and not _exactly(live, spec):
        taken.add_note(
            "This API has no tags to prove who made the existing set, and it does not match "
            "these properties exactly, so it is not treated as this resource's own. If this is "
            "the rollback of a rename, the old set changed since: continue the rollback with "
            "this resource skipped, then fix the set by hand."
        )
        raise taken
    return live


def _exactly(live: LiveSet | None, spec: ConfigurationSetSpec) -> bool:
    """Every destination ``spec`` declares is live as declared (extras added by hand allowed)."""
    if live is None or not spec.destinations:
        return False
    return all(
        name in live.destinations and live.destinations[name].same_as(destination)
        for name, destination in spec.destinations_by_name.items()
    )


def reconcile(
    backend: Backend,
    request: Request,
    spec: ConfigurationSetSpec,
    old: ConfigurationSetSpec | None,
    live: LiveSet,
) -> None:
    """The fewest calls that take ``live`` to ``spec``.

    Deletions come first, then updates, then creations, so the per-set destination limit is
    never crossed on the way.
    """
    name = spec.name
    declared_before = set(old.destinations_by_name) if old else set()
    wanted = spec.destinations_by_name
    to_delete = [n for n in live.destinations if n in declared_before and n not in wanted]
    to_update, to_create = [], []
    for dest_name, destination in wanted.items():
        current = live.destinations.get(dest_name)
        if current is None:
            to_create.append(destination)
        elif current.sink_kind != destination.sink_kind:
            if dest_name not in declared_before:
                raise SetTakenError(
                    f"{request.subject}, event destination '{dest_name}': a destination of that "
                    f"name exists with a {current.sink_kind} sink, and this stack did not create "
                    "it. Changing its sink type would mean deleting it: rename the destination "
                    "in the construct, or delete the existing one first."
                )
            to_delete.append(dest_name)
            to_create.append(destination)
        elif not current.same_as(destination):
            to_update.append(destination)
    state = replace(live, destinations=dict(live.destinations))
    for dest_name in to_delete:
        backend.delete_destination(name, dest_name)
        del state.destinations[dest_name]
    for destination in to_update:
        backend.update_destination(name, destination)
        state.destinations[destination.name] = destination
    for destination in to_create:
        backend.create_destination(
            name, destination, request.token("destination", name, destination.name)
        )
        state.destinations[destination.name] = destination
    backend.apply_settings(spec, old, state)
    backend.apply_tags(spec, old, state)
    _check_applied(request, spec, state)


def delete(backend: Backend, request: Request, physical_id: str) -> Outcome:
    """Delete the set this resource made under ``physical_id``. Idempotent.

    The physical id is the record of what this resource made: only a successful Create or
    Update reports one, and the Provider framework answers a failed Create with a marker that
    is no set name. A Delete may carry either generation of properties (after a rolled-back
    rename, for one), so the declared name is not consulted. Where the API has tags, the
    ownership tag must also match.
    """
    if not _NAME.fullmatch(physical_id):
        LOG.warning(
            "%s: physical id %r is no configuration set name, so no set of ours exists under "
            "it (e.g. the Delete after a failed Create); nothing to delete",
            request.subject,
            physical_id,
        )
        return Outcome(physical_id, {})
    owned = backend.ownership(physical_id, request.owner)
    if owned is Ownership.FOREIGN:
        LOG.warning(
            "%s: set '%s' carries another resource's ownership tag; leaving it in place",
            request.subject,
            physical_id,
        )
    elif owned is Ownership.MISSING or not backend.delete_set(physical_id):
        LOG.info("%s: set '%s' is already gone", request.subject, physical_id)
    return Outcome(physical_id, {})
