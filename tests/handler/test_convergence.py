"""When an "already done" answer counts as success, and when it does not.

The fault sweep shows that every lost response converges; these tests pin the other side: an
"already done" answer to a first attempt, or one that a read does not confirm, stays an error.
They also pin the rule that every declared value is applied or the event fails.
"""

from __future__ import annotations

import pytest
from handler_harness import CREATE_FAILED_MARKER, PROTECT_A
from lifecycles import BYSTANDER, PROTECT_A_ARN, V1_BASE, V2_BASE, Account, topic
from smsvoice_handler import api_v2
from smsvoice_handler.calls import ApiCallError
from smsvoice_handler.lifecycle import NotAppliedError
from smsvoice_handler.validation import InvalidPropertiesError

NOT_CONFIRMED = "A read of the live state does not show the change this call asked for"


def _created(generation: str) -> Account:
    account = Account(generation)
    account.harness.run(account.event("Create", V2_BASE if generation == "v2" else V1_BASE))
    account.harness.reset_calls()
    return account


# ---------------------------------------------------------- "already done" on a first attempt


def test_v2_already_associated_on_a_first_attempt_is_an_error() -> None:
    account = _created("v2")
    without = {k: v for k, v in V2_BASE.items() if k != "ProtectConfigurationId"}
    account.harness.run(account.event("Update", without, old=V2_BASE))
    account.fake.fail("AssociateProtectConfiguration", "ConflictException", "already associated")

    with pytest.raises(ApiCallError, match="AssociateProtectConfiguration failed: Conflict"):
        account.harness.run(account.event("Update", V2_BASE, old=without))
    assert account.harness.calls()[-1] == "AssociateProtectConfiguration", "no read, no retry"


def test_v1_destination_already_exists_on_a_first_attempt_is_an_error() -> None:
    account = _created("v1")
    new = {**V1_BASE, "EventDestinations": [*V1_BASE["EventDestinations"], topic("x", ["BUSY"])]}
    account.fake.fail("CreateConfigurationSetEventDestination", "AlreadyExistsException")

    with pytest.raises(ApiCallError, match="AlreadyExistsException"):
        account.harness.run(account.event("Update", new, old=V1_BASE))
    assert account.harness.calls()[-1] == "CreateConfigurationSetEventDestination"
    assert "x" not in account.fake.sets["calls"].event_destinations


# ------------------------------------------------ "already done" that a read does not confirm


def test_v2_a_conflict_after_a_5xx_is_an_error_when_the_read_disagrees() -> None:
    account = _created("v2")
    without = {k: v for k, v in V2_BASE.items() if k != "ProtectConfigurationId"}
    account.harness.run(account.event("Update", without, old=V2_BASE))
    account.harness.reset_calls()
    account.fake.fail("AssociateProtectConfiguration", "InternalServerException")
    account.fake.fail("AssociateProtectConfiguration", "ConflictException", on_call=2)

    with pytest.raises(ApiCallError, match=NOT_CONFIRMED):
        account.harness.run(account.event("Update", V2_BASE, old=without))
    calls = account.harness.calls()
    assert calls[-3:] == [
        "AssociateProtectConfiguration",
        "AssociateProtectConfiguration",
        "DescribeConfigurationSets",
    ], "one read decides"
    assert account.fake.sets["alerts"].protect_configuration_id is None


def test_v1_already_exists_after_a_lost_answer_is_an_error_when_the_read_disagrees() -> None:
    account = _created("v1")
    new = {**V1_BASE, "EventDestinations": [*V1_BASE["EventDestinations"], topic("x", ["BUSY"])]}
    op = "CreateConfigurationSetEventDestination"
    account.fake.fail(op, "InternalServiceErrorException")
    account.fake.fail(op, "AlreadyExistsException", on_call=2)

    with pytest.raises(ApiCallError, match=NOT_CONFIRMED):
        account.harness.run(account.event("Update", new, old=V1_BASE))
    assert "x" not in account.fake.sets["calls"].event_destinations


@pytest.mark.parametrize("generation", ["v2", "v1"])
def test_not_found_on_a_delete_is_an_error_while_the_set_still_exists(generation: str) -> None:
    account = _created("v2" if generation == "v2" else "v1")
    props = V2_BASE if generation == "v2" else V1_BASE
    code = "ResourceNotFoundException" if generation == "v2" else "NotFoundException"
    account.fake.fail("DeleteConfigurationSet", code, "Injected: not found")
    before = account.sets()

    with pytest.raises(ApiCallError, match=NOT_CONFIRMED):
        account.harness.run(account.event("Delete", props))
    assert account.sets() == before


# ------------------------------------------------------------- nothing declared is skipped


def test_a_protect_id_with_a_trailing_slash_is_refused_before_any_call() -> None:
    account = Account("v2")
    props = {**V2_BASE, "ProtectConfigurationId": PROTECT_A + "/"}

    with pytest.raises(InvalidPropertiesError, match=r"\$\.ProtectConfigurationId") as refused:
        account.harness.run(account.event("Create", props))
    assert "AlertsConfigurationSet8A4F2C1B" in str(refused.value)
    assert "protect-configuration/<id>" in str(refused.value)  # the fix
    assert account.harness.calls() == []
    account.harness.run(account.event("Delete", props, physical_id=CREATE_FAILED_MARKER))
    assert set(account.fake.sets) == {BYSTANDER}


def test_an_update_to_a_protect_arn_without_id_keeps_the_association() -> None:
    account = _created("v2")
    props = {**V2_BASE, "ProtectConfigurationId": PROTECT_A_ARN.rsplit("/", 1)[0] + "/"}

    with pytest.raises(InvalidPropertiesError):
        account.harness.run(account.event("Update", props, old=V2_BASE))
    assert account.harness.calls() == []
    assert account.fake.sets["alerts"].protect_configuration_id == PROTECT_A


def test_a_declared_setting_that_no_call_applied_fails_the_create(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Should a code path ever skip a declared value, the check after Create catches it."""
    account = Account("v2")
    monkeypatch.setattr(api_v2.V2Backend, "_apply_protect", lambda *_args: None)

    with pytest.raises(NotAppliedError, match=f"ProtectConfigurationId '{PROTECT_A}'"):
        account.harness.run(account.event("Create", V2_BASE))
    assert set(account.fake.sets) == {BYSTANDER}, "the failed Create removed its set"
