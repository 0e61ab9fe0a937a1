"""Function targets: Python callables the engine invokes, as EventBridge invokes Lambda.

Routing stores a pending invocation per matched function target (in the PutEvents
transaction). A ``FunctionDispatcher`` in the process that registered the
functions runs them: a call that raises is retried with exponential backoff and
jitter until the target's RetryPolicy runs out (MaximumRetryAttempts retries or
MaximumEventAgeInSeconds), then the event goes to the target's DLQ with AWS's
attributes. A function nobody registered is NO_RESOURCE: straight to the DLQ.

Delivery is at least once: an invocation is claimed (pushed back by a lease) before
the call and deleted after it, so a dispatcher killed mid-call retries it later.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from orderflow.eventbus.bus.backoff import retry_delay_ms
from orderflow.eventbus.bus.dead_letters import ErrorCode, Exhausted, dead_letter
from orderflow.eventbus.bus.routing import target_failed
from orderflow.eventbus.clock import Clock
from orderflow.eventbus.ids import IdFactory, new_uuid
from orderflow.eventbus.model.bus import Invocation, RetryPolicy
from orderflow.eventbus.ports import EngineStore, StoreTransaction

Function = Callable[[Any], object]
"""A function target: called with the payload (parsed JSON when it is JSON, else text)."""

LEASE_MS: Final = 60_000
BATCH: Final = 50


@dataclass(frozen=True)
class DispatchReport:
    """What one dispatch round did."""

    succeeded: int = 0
    retried: int = 0
    dead_lettered: int = 0
    dropped: int = 0


class FunctionDispatcher:
    """Runs the pending invocations of the functions registered with it."""

    def __init__(
        self,
        store: EngineStore,
        clock: Clock,
        functions: Mapping[str, Function],
        *,
        rng: random.Random | None = None,
        new_id: IdFactory = new_uuid,
    ) -> None:
        self.store = store
        self.clock = clock
        self.functions = dict(functions)
        self.rng = rng or random.Random()
        self.new_id = new_id

    def run_once(self) -> DispatchReport:
        """Invoke every due invocation once (up to a batch); what happened."""
        now = self.clock.now_ms()
        with self.store.transaction() as tx:
            due = tx.due_invocations(sorted(self.functions), now, BATCH)
            for invocation in due:
                tx.reschedule_invocation(invocation.seq, now + LEASE_MS, invocation.attempts)
        report = DispatchReport()
        for invocation in due:
            error = self._call(invocation)
            report = self._settle(invocation, error, report)
        return report

    def _call(self, invocation: Invocation) -> str | None:
        function = self.functions[invocation.function]
        try:
            payload: Any = json.loads(invocation.payload)
        except ValueError:
            payload = invocation.payload
        try:
            function(payload)
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        return None

    def _settle(
        self, invocation: Invocation, error: str | None, report: DispatchReport
    ) -> DispatchReport:
        now = self.clock.now_ms()
        with self.store.transaction() as tx:
            if error is None:
                tx.delete_invocation(invocation.seq)
                return _add(report, succeeded=1)
            failed = target_failed(invocation.bus, invocation.rule, invocation.target_id)
            tx.add_to_counters({failed: 1.0})  # each failed invocation, retried or not
            policy = self._policy(tx, invocation)
            retries_done = invocation.attempts
            age_ms = now - invocation.ingested_ms
            exhausted: Exhausted | None = None
            if retries_done >= policy.maximum_retry_attempts:
                exhausted = Exhausted.MAXIMUM_RETRY_ATTEMPTS
            elif age_ms >= policy.maximum_event_age_seconds * 1000:
                exhausted = Exhausted.MAXIMUM_EVENT_AGE
            if exhausted is None:
                delay = retry_delay_ms(retries_done + 1, self.rng)
                tx.reschedule_invocation(invocation.seq, now + delay, retries_done + 1)
                return _add(report, retried=1)
            tx.delete_invocation(invocation.seq)
            return self._dead_letter(tx, invocation, error, exhausted, report)

    def _dead_letter(
        self,
        tx: StoreTransaction,
        invocation: Invocation,
        error: str,
        exhausted: Exhausted | None,
        report: DispatchReport,
    ) -> DispatchReport:
        target = next(
            (
                t
                for t in tx.list_targets(invocation.bus, invocation.rule)
                if t.target_id == invocation.target_id
            ),
            None,
        )
        letter = dead_letter(
            tx,
            dead_letter_arn=target.dead_letter_arn if target else None,
            event=invocation.event,
            rule_arn=invocation.rule_arn,
            target_arn=invocation.target_arn,
            code=ErrorCode.FUNCTION_ERROR,
            message=error,
            retry_attempts=invocation.attempts,
            exhausted=exhausted,
            now_ms=self.clock.now_ms(),
            new_id=self.new_id,
        )
        if letter is None:
            return _add(report, dropped=1)
        tx.add_messages([letter])
        return _add(report, dead_lettered=1)

    @staticmethod
    def _policy(tx: StoreTransaction, invocation: Invocation) -> RetryPolicy:
        for target in tx.list_targets(invocation.bus, invocation.rule):
            if target.target_id == invocation.target_id:
                return target.retry_policy
        return RetryPolicy(0, 60)  # the target was removed since: no more retries


def _add(report: DispatchReport, **changes: int) -> DispatchReport:
    values = {**report.__dict__}
    for key, value in changes.items():
        values[key] += value
    return DispatchReport(**values)
