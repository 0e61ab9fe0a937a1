"""The topology file: validation with located errors, and plans computed against an engine."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from orderflow.bootstrap import open_engine
from orderflow.eventbus.engine import Engine
from orderflow.eventbus.topology_file import (
    Action,
    CreateBus,
    CreateQueue,
    DeleteQueue,
    DeleteRule,
    Kind,
    PutRule,
    PutTarget,
    RemoveTarget,
    TopologyError,
    TopologySpec,
    UpdateArchive,
    UpdateQueue,
    apply,
    load_topology,
    parse_topology,
    plan,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "topology.yaml"

BASE = """
buses:
  orders:
queues:
  orders-dlq:
  orders:
    dead_letter_queue: orders-dlq
    max_receive_count: 3
rules:
  order-processing:
    bus: orders
    pattern: {source: [com.mycompany.orders]}
    targets:
      - queue: orders
"""


def spec_of(text: str) -> TopologySpec:
    return parse_topology(textwrap.dedent(text))


def problems_of(text: str) -> list[str]:
    with pytest.raises(TopologyError) as caught:
        spec_of(text)
    return [str(problem) for problem in caught.value.problems]


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    opened = open_engine(tmp_path / "engine.db")
    yield opened
    opened.store.close()


# -- reading and validating ----------------------------------------------------------------


def test_the_example_file_describes_the_reference_architecture() -> None:
    spec = load_topology(EXAMPLE)
    consumers = ["order-processing", "inventory", "notification", "analytics", "refund"]
    assert set(spec.buses) == {"orders"}
    assert set(spec.queues) == {*consumers, *(f"{name}-dlq" for name in consumers)}
    for name in consumers:
        assert spec.queues[name].dead_letter_queue == f"{name}-dlq"
        assert spec.queues[name].max_receive_count == 3
        assert [target.queue for target in spec.rules[name].targets] == [name]
        assert spec.rules[name].bus == "orders"
    assert json.loads(spec.rules["refund"].pattern) == {
        "source": ["com.mycompany.inventory"],
        "detail-type": ["InventoryOutOfStock"],
    }
    assert spec.archives["orders-archive"].bus == "orders"
    assert spec.archives["orders-archive"].pattern is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            BASE.replace("- queue: orders", "- queue: nope"),
            "rules.order-processing.targets[0]: unknown queue 'nope' (line 14)",
            id="target-queue-unknown",
        ),
        pytest.param(
            BASE.replace("dead_letter_queue: orders-dlq", "dead_letter_queue: gone"),
            "queues.orders.dead_letter_queue: unknown queue 'gone' (line 7)",
            id="queue-dlq-unknown",
        ),
        pytest.param(
            BASE.replace("    max_receive_count: 3\n", ""),
            "queues.orders: dead_letter_queue and max_receive_count go together: give both "
            "or neither (line 6)",
            id="dlq-without-count",
        ),
        pytest.param(
            BASE.replace("max_receive_count: 3", "max_receive_count: 0"),
            "queues.orders.max_receive_count: Input should be greater than or equal to 1",
            id="count-out-of-range",
        ),
        pytest.param(
            BASE.replace("  orders-dlq:\n", "  orders-dlq:\n    visibility_timeout: 5\n"),
            "queues.orders-dlq.visibility_timeout: unknown field (line 6)",
            id="unknown-field",
        ),
        pytest.param(
            BASE.replace("  orders-dlq:\n", "  orders-dlq:\n    attributes: {Visibility: 5}\n"),
            "queues.orders-dlq.attributes: Unknown Attribute Visibility. (line 6)",
            id="unknown-attribute",
        ),
        pytest.param(
            BASE.replace(
                "  orders-dlq:\n", "  orders-dlq:\n    attributes: {VisibilityTimeout: 99999}\n"
            ),
            "queues.orders-dlq.attributes: Invalid value for the parameter VisibilityTimeout.",
            id="attribute-out-of-range",
        ),
        pytest.param(
            BASE.replace("pattern: {source: [com.mycompany.orders]}", "state: ENABLED"),
            "rules.order-processing.pattern: required field is missing",
            id="pattern-missing",
        ),
        pytest.param(
            BASE.replace("[com.mycompany.orders]", "com.mycompany.orders"),
            'rules.order-processing.pattern: Event pattern is not valid. Reason: "source" must '
            "be an object or an array",
            id="pattern-invalid",
        ),
        pytest.param(
            BASE.replace(
                "pattern: {source: [com.mycompany.orders]}", 'pattern: \'{"source": ["a"\''
            ),
            "rules.order-processing.pattern: Event pattern is not valid.",
            id="pattern-not-json",
        ),
        pytest.param(
            BASE.replace("bus: orders", "bus: orders\n    state: OFF"),
            "rules.order-processing.state: Input should be 'ENABLED' or 'DISABLED'",
            id="state-invalid",
        ),
        pytest.param(
            BASE.replace("- queue: orders", "- {queue: orders, function: ship}"),
            "rules.order-processing.targets[0]: a target names exactly one of queue, function, "
            "bus or arn (this one names queue and function)",
            id="two-destinations",
        ),
        pytest.param(
            BASE.replace("- queue: orders", "- arn: arn:aws:sqs:us-east-1:000000000000:x"),
            "rules.order-processing.targets[0]: a target given by arn needs an id",
            id="arn-without-id",
        ),
        pytest.param(
            BASE.replace("- queue: orders", "- queue: orders\n      - queue: orders"),
            "rules.order-processing.targets[1]: target id 'orders' is also the id of "
            "targets[0]; give one of them another id",
            id="duplicate-target-id",
        ),
        pytest.param(
            BASE.replace("- queue: orders", "- {queue: orders, input_path: detail}"),
            "rules.order-processing.targets[0]: ",
            id="input-path-invalid",
        ),
        pytest.param(
            BASE.replace("- queue: orders", "- {queue: orders, dead_letter_queue: nope}"),
            "rules.order-processing.targets[0].dead_letter_queue: unknown queue 'nope'",
            id="target-dlq-unknown",
        ),
        pytest.param(
            BASE.replace(
                "  orders-dlq:\n",
                "  orders-dlq:\n    dead_letter_queue: orders\n    max_receive_count: 1\n",
            ),
            "queues.orders-dlq.dead_letter_queue: dead-letter queues go round in a circle: "
            "orders-dlq -> orders -> orders-dlq",
            id="dlq-cycle",
        ),
        pytest.param(
            BASE + "  order-processing:\n    pattern: {source: [x]}\n",
            "rules.order-processing: given twice, on lines 10 and 15 (YAML would silently keep "
            "only the last)",
            id="duplicate-key",
        ),
        pytest.param(
            "queues: [a, b]\n",
            "queues: Input should be a valid dictionary",
            id="queues-not-a-mapping",
        ),
        pytest.param("version: 2\n", "version: Input should be 1", id="version"),
        pytest.param("rules: {a: [\n", "not valid YAML", id="yaml-syntax"),
        pytest.param("- a\n- b\n", "a topology file is a mapping", id="not-a-mapping"),
    ],
)
def test_a_bad_file_is_refused_with_the_problem_located(text: str, expected: str) -> None:
    problems = problems_of(text)
    assert any(expected in problem for problem in problems), problems


def test_a_target_queue_of_another_type_cannot_be_a_dead_letter_queue() -> None:
    problems = problems_of(
        BASE.replace("dead_letter_queue: orders-dlq", "dead_letter_queue: jobs-dlq.fifo").replace(
            "queues:\n", "queues:\n  jobs-dlq.fifo:\n"
        )
    )
    assert problems == [
        "queues.orders.dead_letter_queue: queue 'jobs-dlq.fifo' cannot be the dead-letter queue "
        "of orders: a dead-letter queue must be of the same type (FIFO or standard) as its "
        "source (line 8)"
    ]


def test_every_problem_is_reported_at_once() -> None:
    problems = problems_of(
        BASE.replace("- queue: orders", "- queue: nope\n      - queue: nope-either")
        + "archives:\n  a: {bus: nowhere}\n"
    )
    assert [problem.split(":")[0] for problem in problems] == [
        "rules.order-processing.targets[0]",
        "rules.order-processing.targets[1]",
    ]


def test_a_bus_neither_declared_nor_on_the_engine_is_refused_when_planned(
    engine: Engine,
) -> None:
    text = (
        BASE.replace("bus: orders", "bus: elsewhere").replace(
            "- queue: orders", "- queue: orders\n      - bus: nowhere"
        )
        + "archives:\n  everything: {bus: nowhere}\n"
    )
    with pytest.raises(TopologyError) as caught:
        plan(engine, spec_of(text))
    assert [str(problem) for problem in caught.value.problems] == [
        "rules.order-processing.bus: unknown bus 'elsewhere': not declared here, and not on "
        "the engine",
        "rules.order-processing.targets[1]: unknown bus 'nowhere': not declared here, and not "
        "on the engine",
        "archives.everything.bus: unknown bus 'nowhere': not declared here, and not on the engine",
    ]


def test_a_file_may_use_a_bus_it_does_not_declare_once_it_exists(engine: Engine) -> None:
    engine.events.create_event_bus("elsewhere")
    text = BASE.replace("bus: orders", "bus: elsewhere")
    text = text[: text.index("buses:")] + text[text.index("queues:") :]  # declares no bus
    apply(engine, spec_of(text))
    assert engine.events.describe_rule("order-processing", "elsewhere")["Name"]


def test_a_rule_has_at_most_five_targets() -> None:
    text = BASE.replace(
        "- queue: orders",
        "\n      ".join(f"- {{function: f{index}}}" for index in range(6)),
    )
    assert problems_of(text) == [
        "rules.order-processing.targets: a rule has at most 5 targets, this one has 6 (line 13)"
    ]


def test_values_are_written_as_the_engine_takes_them() -> None:
    spec = spec_of(
        """
        queues:
          q:
            attributes:
              VisibilityTimeout: 60
              SqsManagedSseEnabled: false
              RedriveAllowPolicy: {redrivePermission: denyAll}
        rules:
          r:
            pattern: '{"source": ["a"]}'
            targets:
              - function: ship
                input: {order: 1, note: "é"}
        """
    )
    assert spec.queues["q"].attributes == {
        "VisibilityTimeout": "60",
        "SqsManagedSseEnabled": "false",
        "RedriveAllowPolicy": '{"redrivePermission":"denyAll"}',
    }
    assert spec.rules["r"].pattern == '{"source": ["a"]}'
    target = spec.rules["r"].targets[0]
    assert (target.target_id, target.input) == ("ship", '{"order":1,"note":"é"}')


def test_an_empty_file_is_an_empty_topology() -> None:
    assert spec_of("") == TopologySpec()


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(TopologyError, match=r"nope\.yaml: no such file"):
        load_topology(tmp_path / "nope.yaml")


# -- planning --------------------------------------------------------------------------------


def summaries(engine: Engine, text: str, *, prune: bool = False) -> list[str]:
    return [change.summary for change in plan(engine, spec_of(text), prune=prune).changes]


def test_an_empty_engine_gets_everything_created_in_dependency_order(engine: Engine) -> None:
    planned = plan(engine, load_topology(EXAMPLE))
    kinds = [change.kind for change in planned.changes]
    assert kinds == sorted(
        kinds, key=[Kind.BUS, Kind.QUEUE, Kind.RULE, Kind.TARGET, Kind.ARCHIVE].index
    )
    assert all(change.action is Action.CREATE for change in planned.changes)
    assert len(planned) == 1 + 10 + 5 + 5 + 1
    queues = [change.name for change in planned.changes if isinstance(change, CreateQueue)]
    for name in ("order-processing", "inventory", "notification", "analytics", "refund"):
        assert queues.index(f"{name}-dlq") < queues.index(name)
    first = planned.changes[0]
    assert isinstance(first, CreateBus)
    assert first.description == "Order, inventory and refund events"


def test_a_second_plan_after_applying_is_empty(engine: Engine) -> None:
    spec = load_topology(EXAMPLE)
    applied = apply(engine, spec)
    assert len(applied) == 22
    again = plan(engine, spec)
    assert again.empty
    assert (again.unmanaged, again.notes) == ((), ())


def test_a_changed_pattern_is_one_rule_update_and_spelling_is_not_a_change(
    engine: Engine,
) -> None:
    apply(engine, spec_of(BASE))
    reordered = BASE.replace(
        "pattern: {source: [com.mycompany.orders]}",
        'pattern: \'{ "source" : [ "com.mycompany.orders" ] }\'',
    )
    assert summaries(engine, reordered) == []
    changed = BASE.replace("[com.mycompany.orders]", "[com.mycompany.refunds]")
    planned = plan(engine, spec_of(changed))
    assert [change.summary for change in planned.changes] == [
        "~ update rule orders/order-processing (pattern)"
    ]
    change = planned.changes[0]
    assert isinstance(change, PutRule)
    assert json.loads(change.pattern) == {"source": ["com.mycompany.refunds"]}


def test_state_and_description_changes_are_named(engine: Engine) -> None:
    apply(engine, spec_of(BASE))
    text = BASE.replace("bus: orders\n", "bus: orders\n    state: DISABLED\n    description: x\n")
    assert summaries(engine, text) == [
        "~ update rule orders/order-processing (state ENABLED -> DISABLED; description)"
    ]


def test_queue_attributes_follow_the_file_and_fall_back_to_defaults(engine: Engine) -> None:
    with_timeout = BASE.replace(
        "  orders-dlq:\n", "  orders-dlq:\n    attributes: {VisibilityTimeout: 60}\n"
    )
    apply(engine, spec_of(with_timeout))
    assert engine.sqs.get_queue_attributes("orders-dlq")["VisibilityTimeout"] == "60"
    planned = plan(engine, spec_of(BASE))
    assert [change.summary for change in planned.changes] == [
        "~ update queue orders-dlq (VisibilityTimeout 60 -> 30)"
    ]
    update = planned.changes[0]
    assert isinstance(update, UpdateQueue)
    assert update.attributes == {"VisibilityTimeout": "30"}


def test_a_redrive_policy_by_name_or_raw_is_the_same(engine: Engine) -> None:
    apply(engine, spec_of(BASE))
    raw = BASE.replace(
        "    dead_letter_queue: orders-dlq\n    max_receive_count: 3\n",
        "    attributes:\n      RedrivePolicy:\n"
        "        maxReceiveCount: '3'\n"
        "        deadLetterTargetArn: arn:aws:sqs:us-east-1:000000000000:orders-dlq\n",
    )
    assert summaries(engine, raw) == []
    assert summaries(engine, BASE.replace("max_receive_count: 3", "max_receive_count: 5")) == [
        "~ update queue orders (RedrivePolicy orders-dlq after 3 receives -> orders-dlq after "
        "5 receives)"
    ]
    no_redrive = BASE.replace("    dead_letter_queue: orders-dlq\n    max_receive_count: 3\n", "")
    planned = plan(engine, spec_of(no_redrive))
    assert [change.summary for change in planned.changes] == [
        "~ update queue orders (RedrivePolicy removed)"
    ]
    apply(engine, planned)
    assert "RedrivePolicy" not in engine.sqs.get_queue_attributes("orders")


def test_a_changed_and_an_added_target(engine: Engine) -> None:
    apply(engine, spec_of(BASE))
    text = BASE.replace(
        "- queue: orders",
        "- {queue: orders, input_path: $.detail, retry_policy: {maximum_retry_attempts: 3}}\n"
        "      - {function: ship, dead_letter_queue: orders-dlq}",
    )
    planned = plan(engine, spec_of(text))
    assert [change.summary for change in planned.changes] == [
        "~ update target orders of rule orders/order-processing (input_path; retry_policy)",
        "+ create target ship of rule orders/order-processing",
    ]
    created = planned.changes[1]
    assert isinstance(created, PutTarget)
    assert created.target == {
        "Id": "ship",
        "Arn": "arn:aws:lambda:us-east-1:000000000000:function:ship",
        "RetryPolicy": {"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 86400},
        "DeadLetterConfig": {"Arn": "arn:aws:sqs:us-east-1:000000000000:orders-dlq"},
    }
    apply(engine, planned)
    assert summaries(engine, text) == []


def test_without_prune_nothing_outside_the_file_is_deleted(engine: Engine) -> None:
    apply(engine, spec_of(BASE))
    engine.sqs.create_queue("legacy")
    engine.events.put_rule("old", '{"source": ["x"]}', event_bus_name="orders")
    engine.events.put_targets(
        "order-processing", [{"Id": "extra", "Arn": engine.scope.queue_arn("legacy")}], "orders"
    )
    planned = plan(engine, spec_of(BASE))
    assert planned.empty
    assert planned.unmanaged == (
        "target extra of rule orders/order-processing",
        "rule orders/old",
        "queue legacy",  # once its only user, target extra, is gone too
    )
    assert "queue orders" not in planned.unmanaged


def test_prune_deletes_targets_rules_and_queues_the_file_does_not_name(engine: Engine) -> None:
    apply(engine, spec_of(BASE))
    engine.sqs.create_queue("legacy")
    engine.sqs.create_queue("legacy-dlq")
    engine.sqs.set_queue_attributes(
        "legacy",
        {
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": engine.scope.queue_arn("legacy-dlq"), "maxReceiveCount": 2}
            )
        },
    )
    engine.sqs.send_message("legacy", "still here")
    engine.events.put_rule("old", '{"source": ["x"]}', event_bus_name="orders")
    engine.events.put_targets(
        "old", [{"Id": "t", "Arn": engine.scope.queue_arn("legacy")}], "orders"
    )
    engine.events.put_targets(
        "order-processing", [{"Id": "extra", "Arn": engine.scope.function_arn("f")}], "orders"
    )
    unforced = plan(engine, spec_of(BASE), prune=True)
    assert "- delete queue legacy (1 message)" not in [c.summary for c in unforced.changes]
    assert (
        "queue legacy is not in the file but stays: it is holding 1 message (--force deletes "
        "it, and them)" in unforced.notes
    )
    planned = plan(engine, spec_of(BASE), prune=True, force=True)
    assert [change.summary for change in planned.changes] == [
        "- delete target t of rule orders/old",
        "- delete target extra of rule orders/order-processing",
        "- delete rule orders/old",
        "- delete queue legacy (1 message)",
        "- delete queue legacy-dlq",
    ]
    assert [type(change) for change in planned.changes] == [
        RemoveTarget,
        RemoveTarget,
        DeleteRule,
        DeleteQueue,
        DeleteQueue,
    ]
    apply(engine, planned)
    assert plan(engine, spec_of(BASE), prune=True).empty
    assert sorted(engine.sqs.list_queues()) == [
        engine.scope.queue_url("orders"),
        engine.scope.queue_url("orders-dlq"),
    ]


def test_prune_keeps_what_the_file_does_not_name_but_something_kept_uses(engine: Engine) -> None:
    apply(engine, spec_of(BASE))
    engine.sqs.create_queue("audit-dlq")
    engine.sqs.create_queue("audit")
    engine.sqs.set_queue_attributes(
        "audit",
        {
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": engine.scope.queue_arn("audit-dlq"), "maxReceiveCount": 2}
            )
        },
    )
    engine.events.put_rule("audit", '{"source": ["x"]}')  # on the default bus: not managed
    engine.events.put_targets("audit", [{"Id": "a", "Arn": engine.scope.queue_arn("audit")}])
    planned = plan(engine, spec_of(BASE), prune=True)
    assert planned.empty
    assert planned.notes == (
        "queue audit is not in the file but stays: it is a target of rule default/audit",
        "queue audit-dlq is not in the file but stays: it is the dead-letter queue of audit",
    )


def test_too_many_targets_with_the_engine_s_own_is_refused_before_anything_changes(
    engine: Engine,
) -> None:
    apply(engine, spec_of(BASE))
    engine.events.put_targets(
        "order-processing",
        [{"Id": f"f{index}", "Arn": engine.scope.function_arn("f")} for index in range(4)],
        "orders",
    )
    text = BASE.replace("- queue: orders", "- queue: orders\n      - function: ship")
    with pytest.raises(
        TopologyError,
        match=r"rules\.order-processing\.targets: the rule would "
        r"have 6 targets, 5 at most: the engine also has f0, f1, f2, f3",
    ):
        plan(engine, spec_of(text))
    assert summaries(engine, text, prune=True)[-1] == (
        "+ create target ship of rule orders/order-processing"
    )


def test_archives_are_updated_in_place_but_never_moved(engine: Engine) -> None:
    text = BASE + "archives:\n  everything: {bus: orders}\n"
    apply(engine, spec_of(text))
    changed = text.replace(
        "{bus: orders}", "{bus: orders, retention_days: 7, pattern: {source: [a]}}"
    )
    planned = plan(engine, spec_of(changed))
    assert [change.summary for change in planned.changes] == [
        "~ update archive everything (pattern; retention_days 0 -> 7)"
    ]
    assert isinstance(planned.changes[0], UpdateArchive)
    apply(engine, planned)
    # A file that leaves the retention out leaves it as it is (an operator's update stays);
    # one that says 0 sets it back to forever.
    assert summaries(engine, text) == ["~ update archive everything (pattern)"]
    apply(engine, plan(engine, spec_of(text)))
    assert engine.events.describe_archive("everything")["RetentionDays"] == 7
    forever = text.replace("{bus: orders}", "{bus: orders, retention_days: 0}")
    assert summaries(engine, forever) == ["~ update archive everything (retention_days 7 -> 0)"]
    moved = text.replace("{bus: orders}", "{bus: default}")
    with pytest.raises(TopologyError, match="archive everything exists on bus 'orders'"):
        plan(engine, spec_of(moved))


def test_a_bus_description_the_engine_cannot_change_is_noted(engine: Engine) -> None:
    apply(engine, spec_of(BASE))
    planned = plan(
        engine, spec_of(BASE.replace("  orders:\nqueues", "  orders: {description: new}\nqueues"))
    )
    assert planned.empty
    assert planned.notes == (
        "buses.orders: the description differs from the engine's (''); it stays as it is, "
        "as the engine has no UpdateEventBus",
    )
