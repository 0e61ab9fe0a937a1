"""What the models cannot see alone: names, references between resources, and the engine's
own parameter rules, each problem located in the file (``rules.orders.targets[0]``).

The engine's validators are called here, so a file that passes would also pass
CreateQueue, PutRule and PutTargets, and a bad one fails before anything changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from orderflow.eventbus.bus import validation
from orderflow.eventbus.bus.admin import MAX_TARGETS
from orderflow.eventbus.bus.validation import ARCHIVE_NAME, BUS_NAME, TARGET_ID
from orderflow.eventbus.errors import AwsError
from orderflow.eventbus.queues import attributes as queue_attributes
from orderflow.eventbus.queues.base import check_queue_name
from orderflow.eventbus.topology_file.errors import Location, Problem
from orderflow.eventbus.topology_file.spec import (
    DEFAULT_BUS,
    QueueSpec,
    RuleSpec,
    TargetSpec,
    TopologySpec,
)
from orderflow.eventbus.transform import InputTransformer, target_input

_FUNCTION_NAME: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")


class _Problems:
    def __init__(self) -> None:
        self.found: list[Problem] = []

    def add(self, location: Location, message: str) -> None:
        self.found.append(Problem(tuple(location), message))

    def engine(self, location: Location, check: Callable[..., object], *args: object) -> None:
        """Run one of the engine's own checks; its AWS-worded refusal is a problem here."""
        try:
            check(*args)
        except AwsError as exc:
            self.add(location, exc.message)


def unknown_buses(spec: TopologySpec, existing: set[str]) -> list[Problem]:
    """The buses ``spec`` uses but neither declares nor finds in ``existing`` (a file may
    use a bus another owns, such as ``orders``, without declaring it)."""
    known = {DEFAULT_BUS, *spec.buses, *existing}
    uses: list[tuple[tuple[str | int, ...], str]] = [
        (("rules", name, "bus"), rule.bus) for name, rule in spec.rules.items()
    ]
    uses += [
        (("rules", name, "targets", index), target.bus)
        for name, rule in spec.rules.items()
        for index, target in enumerate(rule.targets)
        if target.bus is not None
    ]
    uses += [(("archives", name, "bus"), archive.bus) for name, archive in spec.archives.items()]
    return [
        Problem(location, f"unknown bus '{bus}': not declared here, and not on the engine")
        for location, bus in uses
        if bus not in known
    ]


def check_topology(spec: TopologySpec) -> list[Problem]:
    """Every problem in ``spec`` the models did not catch (none: the file can be planned)."""
    problems = _Problems()
    for name, bus in spec.buses.items():
        problems.engine(("buses", name), validation.check_name, name, "name", BUS_NAME, 256)
        if name == DEFAULT_BUS and bus.description:
            problems.add(("buses", name, "description"), "the default bus has no description")
    for name, queue in spec.queues.items():
        _check_queue(problems, spec, name, queue)
    _check_dead_letter_cycles(problems, spec)
    for name, rule in spec.rules.items():
        _check_rule(problems, spec, name, rule)
    for name in spec.archives:
        problems.engine(
            ("archives", name), validation.check_name, name, "archiveName", ARCHIVE_NAME, 48
        )
    return problems.found


def _check_queue(problems: _Problems, spec: TopologySpec, name: str, queue: QueueSpec) -> None:
    location = ("queues", name)
    problems.engine(location, check_queue_name, name)
    fifo = name.endswith(".fifo")
    problems.engine(
        (*location, "attributes"),
        lambda: queue_attributes.validate(queue.attributes, fifo=fifo, creating=True),
    )
    dead_letter = queue.dead_letter_queue
    if dead_letter is None:
        return
    if dead_letter not in spec.queues:
        problems.add((*location, "dead_letter_queue"), f"unknown queue '{dead_letter}'")
    elif dead_letter.endswith(".fifo") != fifo:
        problems.add(
            (*location, "dead_letter_queue"),
            f"queue '{dead_letter}' cannot be the dead-letter queue of {name}: a dead-letter "
            "queue must be of the same type (FIFO or standard) as its source",
        )


def dead_letter_of(queue: QueueSpec) -> str | None:
    """The name of the queue's dead-letter queue, by name or in a raw RedrivePolicy."""
    if queue.dead_letter_queue is not None:
        return queue.dead_letter_queue
    text = queue.attributes.get("RedrivePolicy")
    if not text:
        return None
    try:
        return queue_attributes.parse_redrive_policy(text).dead_letter_queue
    except AwsError:
        return None


def _check_dead_letter_cycles(problems: _Problems, spec: TopologySpec) -> None:
    for name in spec.queues:
        seen = [name]
        current = dead_letter_of(spec.queues[name])
        while current is not None and current in spec.queues and current not in seen:
            seen.append(current)
            current = dead_letter_of(spec.queues[current])
        if current == name:
            problems.add(
                ("queues", name, "dead_letter_queue"),
                "dead-letter queues go round in a circle: " + " -> ".join([*seen, name]),
            )


def _check_rule(problems: _Problems, spec: TopologySpec, name: str, rule: RuleSpec) -> None:
    location = ("rules", name)
    problems.engine(location, validation.check_name, name, "name", validation.RULE_NAME, 64)
    if len(rule.targets) > MAX_TARGETS:
        problems.add(
            (*location, "targets"),
            f"a rule has at most {MAX_TARGETS} targets, this one has {len(rule.targets)}",
        )
    seen: dict[str, int] = {}
    for index, target in enumerate(rule.targets):
        target_location = (*location, "targets", index)
        target_id = target.target_id
        if target_id in seen:
            problems.add(
                target_location,
                f"target id '{target_id}' is also the id of targets[{seen[target_id]}]; "
                "give one of them another id",
            )
        seen.setdefault(target_id, index)
        _check_target(problems, spec, target_location, target)


def _check_target(
    problems: _Problems, spec: TopologySpec, location: Location, target: TargetSpec
) -> None:
    problems.engine(
        location, validation.check_name, target.target_id, "targets.member.id", TARGET_ID, 64
    )
    if target.queue is not None and target.queue not in spec.queues:
        problems.add(location, f"unknown queue '{target.queue}'")
    if target.function is not None and not _FUNCTION_NAME.fullmatch(target.function):
        problems.add(
            location,
            f"'{target.function}' is not a function name: 1 to 64 letters, digits, "
            "hyphens or underscores",
        )
    if target.arn is not None and not target.arn.startswith("arn:"):
        problems.add(location, f"'{target.arn}' is not an ARN")
    dead_letter = target.dead_letter_queue
    if dead_letter is not None and dead_letter not in spec.queues:
        problems.add((*location, "dead_letter_queue"), f"unknown queue '{dead_letter}'")
    transformer = target.input_transformer
    problems.engine(
        location,
        lambda: target_input(
            target.target_id,
            input=target.input,
            input_path=target.input_path,
            input_transformer=(
                InputTransformer(transformer.input_paths_map, transformer.input_template)
                if transformer is not None
                else None
            ),
        ),
    )
