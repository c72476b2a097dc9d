"""A fault at every call of every lifecycle, both API generations.

For each lifecycle a clean run counts its n calls (the mutating ones, and the reads among them).
Then, for every k in 1..n, a fresh
account plays it once with a non-retryable error at call k and once with call k's response lost
(the call takes effect; the connection closes before the answer):
- the error fails that event; after CloudFormation's reaction the account is exactly as it was
  before the event, and the unrelated set is untouched byte for byte;
- the lost response changes nothing visible: every event succeeds, and the set is exactly as
  declared.
The real handler runs on virtual time against the in-process emulator, rate limits included.
"""

from __future__ import annotations

from collections import Counter

import pytest
from lifecycles import BYSTANDER, CASES, LIFECYCLES, Account, Lifecycle

from cdk_smsvoice.emulator.service import READ_ONLY_PREFIXES

NON_RETRYABLE = {"v2": "ValidationException", "v1": "BadRequestException"}


def _play(generation: str, name: str, tokens: bool = True) -> tuple[Account, Lifecycle]:
    account = Account(generation, honour_client_tokens=tokens)
    lifecycle = LIFECYCLES[generation](account)[name]
    for event in lifecycle.setup:
        account.harness.run(event)
    account.harness.reset_calls()
    return account, lifecycle


def _calls(generation: str, name: str) -> list[tuple[str, int]]:
    """(operation, its 1-based count) of each call of a clean run, in order."""
    account, lifecycle = _play(generation, name)
    for step in lifecycle.steps:
        account.harness.run(step.event)
    seen: Counter[str] = Counter()
    calls = []
    for op in account.harness.calls():
        seen[op] += 1
        calls.append((op, seen[op]))
    return calls


def _assert_converged(account: Account, lifecycle: Lifecycle) -> None:
    names = set(account.fake.sets)
    if lifecycle.final is None:
        assert names == {BYSTANDER}
    else:
        assert names == {BYSTANDER, lifecycle.final_name}
        assert account.live(lifecycle.final_name) == account.declared(lifecycle.final)


@pytest.mark.parametrize(("generation", "name"), CASES)
def test_an_error_at_any_call_leaves_the_account_as_before(generation: str, name: str) -> None:
    calls = _calls(generation, name)
    assert any(not op.startswith(READ_ONLY_PREFIXES) for op, _ in calls), "it changes things"
    for k, (operation, nth) in enumerate(calls, start=1):
        account, lifecycle = _play(generation, name)
        account.fake.fail(operation, NON_RETRYABLE[generation], "Injected: rejected", on_call=nth)
        for step in lifecycle.steps:
            before = account.sets()
            try:
                account.harness.run(step.event)
            except Exception as error:
                assert operation in str(error), f"k={k}: the error names the failed call"
                if step.reaction is not None:
                    account.harness.run(step.reaction)
                assert account.sets() == before, f"k={k} ({operation} #{nth})"
                break
        else:
            pytest.fail(f"k={k}: the error at {operation} #{nth} failed no event")
        assert not account.fake.pending_faults(), f"k={k}: the fault was delivered"


@pytest.mark.parametrize(
    ("generation", "name", "tokens"),
    [(*case, True) for case in CASES] + [(*case, False) for case in CASES if case[0] == "v2"],
    ids=lambda value: {True: "tokens-honoured", False: "tokens-ignored"}.get(value, value),
)
def test_a_lost_response_at_any_call_still_converges(
    generation: str, name: str, tokens: bool
) -> None:
    calls = _calls(generation, name)
    for k, (operation, nth) in enumerate(calls, start=1):
        account, lifecycle = _play(generation, name, tokens)
        bystander = account.sets()[BYSTANDER]
        account.fake.lose_response(operation, on_call=nth)
        for step in lifecycle.steps:
            account.harness.run(step.event)
        assert not account.fake.pending_faults(), f"k={k}: the response was lost"
        _assert_converged(account, lifecycle)
        assert account.sets()[BYSTANDER] == bystander
