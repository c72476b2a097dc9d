"""The synth gate and the handler gate give the same verdict, for v2 and v1.

Properties come in the shape CloudFormation sends (strings for booleans): valid ones, and
near-valid ones that break one rule each. For every example:
- the synth gate (jsonschema, ``schema.synth_validator``) and the handler gate (the generated
  validator, reached through the real handler's Create) agree;
- a refusal names the resource and the JSON path, and makes zero API calls;
- an accepted Create leaves the emulator's set exactly as declared.
Derandomized with bounded example counts, so the suite stays deterministic.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from lifecycles import BYSTANDER, Account
from property_strategies import MUTATIONS, mutated_properties, valid_properties
from smsvoice_handler.validation import InvalidPropertiesError
from smsvoice_handler.validation import validate_properties as handler_gate

from cdk_smsvoice.schema.synth_validator import validate_properties as synth_gate

GENERATIONS = ("v2", "v1")
_PROPERTY_SETTINGS = settings(
    derandomize=True,
    phases=(Phase.explicit, Phase.generate),
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.large_base_example,
    ],
)
_ACCOUNTS: dict[str, Account] = {}


def _account(generation: str) -> Account:
    """One account per generation, emptied of the previous example's set (the unrelated set
    stays: no Create may touch it)."""
    account = _ACCOUNTS.get(generation)
    if account is None:
        account = _ACCOUNTS[generation] = Account(generation)
    for name in [n for n in account.fake.sets if n != BYSTANDER]:
        del account.fake.sets[name]
    account.harness.reset_calls()
    return account


def _synth_accepts(account: Account, props: dict[str, Any]) -> bool:
    return not synth_gate(account.resource_type, props)


def _handler_accepts(account: Account, props: dict[str, Any]) -> bool:
    """Run the real handler's Create; a refusal must come before any API call."""
    before = account.sets()[BYSTANDER]
    try:
        response = account.harness.run(account.event("Create", props))
    except InvalidPropertiesError as error:
        assert account.harness.calls() == [], "a refused Create made API calls"
        message = str(error)
        assert account.harness.last_context is not None
        assert "AlertsConfigurationSet8A4F2C1B" in message, message  # the resource
        assert "$" in message and "Allowed:" in message, message  # where, and the fix
        return False
    name = props["ConfigurationSetName"]
    assert response["PhysicalResourceId"] == name
    assert set(account.fake.sets) == {BYSTANDER, name}
    assert account.live(name) == account.declared(props), "the set is not as declared"
    assert account.sets()[BYSTANDER] == before
    return True


@pytest.mark.parametrize("generation", GENERATIONS)
def test_every_valid_configuration_passes_both_gates_and_is_created_as_declared(
    generation: str,
) -> None:
    @settings(_PROPERTY_SETTINGS, max_examples=100)
    @given(props=valid_properties(generation))
    def check(props: dict[str, Any]) -> None:
        account = _account(generation)
        assert synth_gate(account.resource_type, props) == []
        assert _handler_accepts(account, props)

    check()


@pytest.mark.parametrize("what", sorted(MUTATIONS))
@pytest.mark.parametrize("generation", GENERATIONS)
def test_every_near_valid_configuration_is_refused_by_both_gates_before_any_call(
    generation: str, what: str
) -> None:
    @settings(_PROPERTY_SETTINGS, max_examples=15)
    @given(props=mutated_properties(generation, what))
    def check(props: dict[str, Any]) -> None:
        account = _account(generation)
        assert not _synth_accepts(account, props), f"synth gate accepts {what}: {props}"
        assert not _handler_accepts(account, props), f"handler gate accepts {what}: {props}"

    check()


@pytest.mark.parametrize("generation", GENERATIONS)
def test_the_gates_agree_on_any_mix_of_valid_and_broken_properties(generation: str) -> None:
    """Without the API in the loop, so many more examples fit in the same time."""
    type_ = Account(generation).resource_type

    @settings(_PROPERTY_SETTINGS, max_examples=200)
    @given(props=st.one_of(valid_properties(generation), mutated_properties(generation)))
    def check(props: dict[str, Any]) -> None:
        synth = not synth_gate(type_, props)
        try:
            handler_gate(type_, props)
            handler = True
        except InvalidPropertiesError:
            handler = False
        assert synth == handler, props

    check()
