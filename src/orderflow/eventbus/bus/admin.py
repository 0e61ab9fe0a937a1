"""Event buses, rules and targets: the EventBridge control plane.

Every change bumps the store's topology version in the same transaction, so
every process routes with the new rules from its next PutEvents on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from orderflow.eventbus.bus import validation as check
from orderflow.eventbus.context import EngineContext
from orderflow.eventbus.errors import (
    LimitExceededException,
    ResourceAlreadyExistsException,
    ResourceNotFoundException,
    ValidationException,
)
from orderflow.eventbus.model.bus import (
    DEFAULT_BUS,
    BusRecord,
    RetryPolicy,
    RuleRecord,
    TargetRecord,
)
from orderflow.eventbus.names import bus_name_from_arn, queue_name_from_arn
from orderflow.eventbus.patterns.compiler import compile_pattern
from orderflow.eventbus.ports import StoreTransaction
from orderflow.eventbus.transform import InputTransformer, target_input

MAX_TARGETS: Final = 5
MAX_TARGETS_PER_CALL: Final = 10


@dataclass(frozen=True)
class FailedEntry:
    """A target PutTargets or RemoveTargets could not take."""

    target_id: str
    code: str
    message: str


class BusContext(EngineContext):
    """What every EventBridge operation shares, and how a bus is named and found."""

    @staticmethod
    def bus_name(bus: str | None) -> str:
        """A bus name from a name or ARN parameter (default: the default bus)."""
        if not bus:
            return DEFAULT_BUS
        return bus_name_from_arn(bus) or bus

    def existing_bus(self, tx: StoreTransaction, name: str, *, reading: bool = False) -> BusRecord:
        """The bus ``name``; the default bus always exists (stored on first write)."""
        record = tx.get_bus(name)
        if record is None and name == DEFAULT_BUS:
            record = BusRecord(DEFAULT_BUS, self.clock.now_ms())
            if not reading:
                tx.save_bus(record)
        if record is None:
            raise ResourceNotFoundException(f"Event bus {name} does not exist.")
        return record

    @staticmethod
    def existing_rule(tx: StoreTransaction, bus: str, name: str) -> RuleRecord:
        record = tx.get_rule(bus, name)
        if record is None:
            raise ResourceNotFoundException(f"Rule {name} does not exist on EventBus {bus}.")
        return record


class BusAdmin(BusContext):
    """Buses, rules and targets."""

    # -- buses -----------------------------------------------------------------------

    def create_event_bus(
        self, name: str, description: str | None = None, tags: Mapping[str, str] | None = None
    ) -> str:
        """CreateEventBus: the new bus's ARN."""
        check.check_name(name, "name", check.BUS_NAME, 256)
        with self.store.transaction() as tx:
            if name == DEFAULT_BUS or tx.get_bus(name) is not None:
                raise ResourceAlreadyExistsException(f"Event bus {name} already exists.")
            tx.save_bus(
                BusRecord(
                    name,
                    self.clock.now_ms(),
                    check.check_description(description),
                    dict(tags or {}),
                )
            )
            tx.bump_topology()
        return self.scope.bus_arn(name)

    def describe_event_bus(self, name: str | None = None) -> dict[str, Any]:
        bus = self.bus_name(name)
        with self.store.reader() as tx:
            record = self.existing_bus(tx, bus, reading=True)
        return self._describe_bus(record)

    def _describe_bus(self, record: BusRecord) -> dict[str, Any]:
        """A bus as DescribeEventBus and ListEventBuses show it (no operation served changes
        a bus after its creation: LastModifiedTime is its CreationTime)."""
        described: dict[str, Any] = {"Name": record.name, "Arn": self.scope.bus_arn(record.name)}
        if record.description:
            described["Description"] = record.description
        described["CreationTime"] = record.created_ms / 1000
        described["LastModifiedTime"] = record.created_ms / 1000
        return described

    def list_event_buses(self, name_prefix: str | None = None) -> list[dict[str, Any]]:
        with self.store.reader() as tx:
            default = self.existing_bus(tx, DEFAULT_BUS, reading=True)
            buses = tx.list_buses()
        if all(bus.name != DEFAULT_BUS for bus in buses):
            buses = sorted([default, *buses], key=lambda bus: bus.name)
        return [
            self._describe_bus(bus)
            for bus in buses
            if name_prefix is None or bus.name.startswith(name_prefix)
        ]

    def delete_event_bus(self, name: str) -> None:
        """DeleteEventBus (its rules and targets go with it; the default bus stays)."""
        if name == DEFAULT_BUS:
            raise ValidationException("Cannot delete event bus default.")
        with self.store.transaction() as tx:
            if tx.get_bus(name) is not None:
                tx.delete_bus(name)
                tx.bump_topology()

    # -- rules -----------------------------------------------------------------------

    def put_rule(
        self,
        name: str,
        event_pattern: str | None,
        *,
        state: str | None = None,
        description: str | None = None,
        event_bus_name: str | None = None,
        schedule_expression: str | None = None,
        role_arn: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> str:
        """PutRule: create or update a rule; its ARN."""
        check.check_name(name, "name", check.RULE_NAME, 64)
        if schedule_expression:
            raise ValidationException(
                "ScheduleExpression is not supported by orderflow's embedded engine: rules "
                "are triggered by events only."
            )
        if not event_pattern:
            raise ValidationException(
                "Parameter(s) EventPattern or ScheduleExpression must be specified."
            )
        compile_pattern(event_pattern)
        bus = self.bus_name(event_bus_name)
        with self.store.transaction() as tx:
            self.existing_bus(tx, bus)
            existing = tx.get_rule(bus, name)
            record = RuleRecord(
                bus=bus,
                name=name,
                event_pattern=event_pattern,
                state=check.check_state(state),
                created_ms=existing.created_ms if existing else self.clock.now_ms(),
                description=check.check_description(description),
                role_arn=role_arn or "",
                tags=dict(tags or (existing.tags if existing else {})),
            )
            tx.save_rule(record)
            tx.bump_topology()
        return self.scope.rule_arn(bus, name)

    def describe_rule(self, name: str, event_bus_name: str | None = None) -> dict[str, Any]:
        bus = self.bus_name(event_bus_name)
        with self.store.reader() as tx:
            self.existing_bus(tx, bus, reading=True)
            rule = self.existing_rule(tx, bus, name)
        return self.describe(rule)

    def describe(self, rule: RuleRecord) -> dict[str, Any]:
        described: dict[str, Any] = {
            "Name": rule.name,
            "Arn": self.scope.rule_arn(rule.bus, rule.name),
            "EventPattern": rule.event_pattern,
            "State": rule.state,
            "EventBusName": rule.bus,
            "CreatedBy": self.scope.account,
        }
        if rule.description:
            described["Description"] = rule.description
        if rule.role_arn:
            described["RoleArn"] = rule.role_arn
        return described

    def list_rules(
        self, name_prefix: str | None = None, event_bus_name: str | None = None
    ) -> list[dict[str, Any]]:
        bus = self.bus_name(event_bus_name)
        with self.store.reader() as tx:
            self.existing_bus(tx, bus, reading=True)
            rules = tx.list_rules(bus)
        return [
            self.describe(rule)
            for rule in rules
            if name_prefix is None or rule.name.startswith(name_prefix)
        ]

    def delete_rule(self, name: str, event_bus_name: str | None = None) -> None:
        """DeleteRule (a rule with targets cannot be deleted, as on AWS)."""
        bus = self.bus_name(event_bus_name)
        with self.store.transaction() as tx:
            self.existing_bus(tx, bus)
            if tx.get_rule(bus, name) is None:
                return
            if tx.list_targets(bus, name):
                raise ValidationException("Rule can't be deleted since it has targets.")
            tx.delete_rule(bus, name)
            tx.bump_topology()

    def enable_rule(self, name: str, event_bus_name: str | None = None) -> None:
        self._set_state(name, event_bus_name, "ENABLED")

    def disable_rule(self, name: str, event_bus_name: str | None = None) -> None:
        self._set_state(name, event_bus_name, "DISABLED")

    def _set_state(self, name: str, event_bus_name: str | None, state: str) -> None:
        bus = self.bus_name(event_bus_name)
        with self.store.transaction() as tx:
            self.existing_bus(tx, bus)
            rule = self.existing_rule(tx, bus, name)
            tx.save_rule(replace(rule, state=state))
            tx.bump_topology()

    # -- targets ---------------------------------------------------------------------

    def put_targets(
        self, rule: str, targets: Sequence[Mapping[str, Any]], event_bus_name: str | None = None
    ) -> list[FailedEntry]:
        """PutTargets: add or replace targets (AWS's field names); the entries that failed."""
        if not 1 <= len(targets) <= MAX_TARGETS_PER_CALL:
            raise ValidationException(
                f"1 validation error detected: Value at 'targets' failed to satisfy constraint: "
                f"Member must have length between 1 and {MAX_TARGETS_PER_CALL}"
            )
        bus = self.bus_name(event_bus_name)
        failed: list[FailedEntry] = []
        with self.store.transaction() as tx:
            self.existing_bus(tx, bus)
            self.existing_rule(tx, bus, rule)
            current = {target.target_id for target in tx.list_targets(bus, rule)}
            records = [self._target(bus, rule, spec) for spec in targets]
            if len(current | {record.target_id for record in records}) > MAX_TARGETS:
                raise LimitExceededException(
                    "The requested resource exceeds the maximum number allowed."
                )
            for record in records:
                tx.save_target(record)
            tx.bump_topology()
        return failed

    def _target(self, bus: str, rule: str, spec: Mapping[str, Any]) -> TargetRecord:
        target_id = check.check_name(spec.get("Id"), "targets.member.id", check.TARGET_ID, 64)
        arn = spec.get("Arn")
        if not isinstance(arn, str) or not arn:
            raise ValidationException(f"Parameter Arn is not valid for target {target_id}.")
        sqs = spec.get("SqsParameters") or {}
        queue = queue_name_from_arn(arn)
        if queue is not None and queue.endswith(".fifo") and not sqs.get("MessageGroupId"):
            raise ValidationException(
                f"Parameter(s) SqsParameters must be specified for target: {target_id}."
            )
        transformer_spec = spec.get("InputTransformer")
        transformer = None
        if transformer_spec is not None:
            transformer = InputTransformer(
                dict(transformer_spec.get("InputPathsMap") or {}),
                str(transformer_spec.get("InputTemplate", "")),
            )
        target_input(
            target_id,
            input=spec.get("Input"),
            input_path=spec.get("InputPath"),
            input_transformer=transformer,
        )
        retry = spec.get("RetryPolicy") or {}
        attempts = retry.get("MaximumRetryAttempts")
        age = retry.get("MaximumEventAgeInSeconds")
        check.check_range(attempts, "targets.member.retryPolicy.maximumRetryAttempts", 0, 185)
        check.check_range(age, "targets.member.retryPolicy.maximumEventAgeInSeconds", 60, 86_400)
        dead_letter = (spec.get("DeadLetterConfig") or {}).get("Arn")
        if dead_letter is not None and queue_name_from_arn(str(dead_letter)) is None:
            raise ValidationException(
                f"Parameter DeadLetterConfig.Arn is not valid for target {target_id}: it must "
                "be the ARN of an SQS queue."
            )
        defaults = RetryPolicy()
        return TargetRecord(
            bus=bus,
            rule=rule,
            target_id=target_id,
            arn=arn,
            input=spec.get("Input"),
            input_path=spec.get("InputPath"),
            input_paths_map=dict(transformer.input_paths_map) if transformer else None,
            input_template=transformer.input_template if transformer else None,
            retry_policy=RetryPolicy(
                defaults.maximum_retry_attempts if attempts is None else int(attempts),
                defaults.maximum_event_age_seconds if age is None else int(age),
            ),
            dead_letter_arn=dead_letter,
            role_arn=spec.get("RoleArn"),
            message_group_id=sqs.get("MessageGroupId"),
            retry_policy_given=spec.get("RetryPolicy") is not None,
        )

    def remove_targets(
        self, rule: str, ids: Sequence[str], event_bus_name: str | None = None
    ) -> list[FailedEntry]:
        """RemoveTargets: the ids that were not targets of the rule are reported as failed."""
        bus = self.bus_name(event_bus_name)
        failed: list[FailedEntry] = []
        with self.store.transaction() as tx:
            self.existing_bus(tx, bus)
            self.existing_rule(tx, bus, rule)
            current = {target.target_id for target in tx.list_targets(bus, rule)}
            for target_id in ids:
                if target_id not in current:
                    failed.append(
                        FailedEntry(target_id, "ResourceNotFoundException", "Target not found.")
                    )
                    continue
                tx.delete_target(bus, rule, target_id)
            tx.bump_topology()
        return failed

    def list_targets_by_rule(
        self, rule: str, event_bus_name: str | None = None
    ) -> list[dict[str, Any]]:
        bus = self.bus_name(event_bus_name)
        with self.store.reader() as tx:
            self.existing_bus(tx, bus, reading=True)
            self.existing_rule(tx, bus, rule)
            targets = tx.list_targets(bus, rule)
        return [describe_target(target) for target in targets]

    def list_rule_names_by_target(
        self, target_arn: str, event_bus_name: str | None = None
    ) -> list[str]:
        bus = self.bus_name(event_bus_name)
        with self.store.reader() as tx:
            self.existing_bus(tx, bus, reading=True)
            names = {t.rule for t in tx.all_targets() if t.bus == bus and t.arn == target_arn}
        return sorted(names)


def describe_target(target: TargetRecord) -> dict[str, Any]:
    """A target as ListTargetsByRule shows it."""
    described: dict[str, Any] = {"Id": target.target_id, "Arn": target.arn}
    if target.input is not None:
        described["Input"] = target.input
    if target.input_path is not None:
        described["InputPath"] = target.input_path
    if target.input_template is not None:
        described["InputTransformer"] = {
            "InputPathsMap": dict(target.input_paths_map or {}),
            "InputTemplate": target.input_template,
        }
    if target.retry_policy_given:
        described["RetryPolicy"] = {
            "MaximumRetryAttempts": target.retry_policy.maximum_retry_attempts,
            "MaximumEventAgeInSeconds": target.retry_policy.maximum_event_age_seconds,
        }
    if target.dead_letter_arn:
        described["DeadLetterConfig"] = {"Arn": target.dead_letter_arn}
    if target.role_arn:
        described["RoleArn"] = target.role_arn
    if target.message_group_id:
        described["SqsParameters"] = {"MessageGroupId": target.message_group_id}
    return described
