"""``orderflow apply FILE`` on a real SQLite file: plan, apply, apply again, edit, dry run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
import typer
from typer.testing import CliRunner, Result

from orderflow.bootstrap import open_engine
from orderflow.entrypoints.cli.apply import apply_command

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "topology.yaml"
CONSUMERS = ("order-processing", "inventory", "notification", "analytics", "refund")


@pytest.fixture
def topology(tmp_path: Path) -> Path:
    copy = tmp_path / "topology.yaml"
    shutil.copyfile(EXAMPLE, copy)
    return copy


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "state" / "orderflow.db"


def run(*args: str | Path) -> Result:
    app = typer.Typer()
    app.command()(apply_command)
    return CliRunner().invoke(app, [str(arg) for arg in args])


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def engine_state(db: Path) -> dict[str, object]:
    engine = open_engine(db)
    try:
        queues = {
            url.rsplit("/", 1)[1]: engine.sqs.get_queue_attributes(url)
            for url in engine.sqs.list_queues()
        }
        buses = {bus["Name"] for bus in engine.events.list_event_buses()}
        listed = engine.events.list_rules(event_bus_name="orders") if "orders" in buses else []
        rules = {rule["Name"]: rule for rule in listed}
        targets = {
            name: engine.events.list_targets_by_rule(name, event_bus_name="orders")
            for name in rules
        }
        archives = engine.events.list_archives()
        return {"queues": queues, "rules": rules, "targets": targets, "archives": archives}
    finally:
        engine.store.close()


def test_the_first_apply_creates_the_whole_topology(topology: Path, db: Path) -> None:
    result = run(topology, "--db", db)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "+ create bus orders"
    assert "+ create queue order-processing-dlq" in lines
    assert "+ create rule orders/refund" in lines
    assert "+ create target refund of rule orders/refund" in lines
    assert "+ create archive orders-archive" in lines
    assert lines[-1] == "Applied 22 changes."

    state = engine_state(db)
    queues = state["queues"]
    assert isinstance(queues, dict)
    assert sorted(queues) == sorted([*CONSUMERS, *(f"{name}-dlq" for name in CONSUMERS)])
    for name in CONSUMERS:
        assert json.loads(queues[name]["RedrivePolicy"]) == {
            "deadLetterTargetArn": f"arn:aws:sqs:us-east-1:000000000000:{name}-dlq",
            "maxReceiveCount": 3,
        }
        assert queues[f"{name}-dlq"]["MessageRetentionPeriod"] == "1209600"
    assert queues["order-processing"]["VisibilityTimeout"] == "60"
    rules = state["rules"]
    assert isinstance(rules, dict)
    assert sorted(rules) == sorted(CONSUMERS)
    assert json.loads(rules["inventory"]["EventPattern"]) == {
        "source": ["com.mycompany.orders"],
        "detail-type": ["OrderCreated", "OrderCancelled"],
    }
    assert rules["refund"]["State"] == "ENABLED"
    targets = state["targets"]
    assert isinstance(targets, dict)
    for name in CONSUMERS:
        assert [(target["Id"], target["Arn"]) for target in targets[name]] == [
            (name, f"arn:aws:sqs:us-east-1:000000000000:{name}")
        ]
    archives = state["archives"]
    assert isinstance(archives, list)
    assert [(archive["ArchiveName"], archive["EventSourceArn"]) for archive in archives] == [
        ("orders-archive", "arn:aws:events:us-east-1:000000000000:event-bus/orders")
    ]


def test_applying_the_same_file_again_changes_nothing(topology: Path, db: Path) -> None:
    assert run(topology, "--db", db).exit_code == 0
    before = engine_state(db)
    result = run(topology, "--db", db)
    assert result.exit_code == 0, result.output
    assert result.stdout == "No changes.\n"
    assert engine_state(db) == before


def test_an_edited_file_yields_exactly_its_edits(topology: Path, db: Path) -> None:
    assert run(topology, "--db", db).exit_code == 0
    edit(
        topology,
        "detail-type: [OrderCreated, OrderCancelled]\n    targets:\n      - queue: inventory",
        "detail-type: [OrderCreated, OrderUpdated, OrderCancelled]\n"
        "    targets:\n      - queue: inventory",
    )
    edit(
        topology,
        "      - queue: refund\n",
        "      - queue: refund\n      - {queue: notification, input_path: $.detail}\n",
    )
    result = run(topology, "--db", db)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "~ update rule orders/inventory (pattern)",
        "+ create target notification of rule orders/refund",
        "Applied 2 changes.",
    ]
    state = engine_state(db)
    rules, targets = state["rules"], state["targets"]
    assert isinstance(rules, dict)
    assert isinstance(targets, dict)
    assert json.loads(rules["inventory"]["EventPattern"])["detail-type"] == [
        "OrderCreated",
        "OrderUpdated",
        "OrderCancelled",
    ]
    assert sorted((target["Id"], target.get("InputPath", "")) for target in targets["refund"]) == [
        ("notification", "$.detail"),
        ("refund", ""),
    ]
    assert run(topology, "--db", db).stdout == "No changes.\n"


def test_a_dry_run_prints_the_plan_and_changes_nothing(topology: Path, db: Path) -> None:
    assert run(topology, "--db", db).exit_code == 0
    edit(
        topology,
        "max_receive_count: 3\n\n  inventory-dlq",
        "max_receive_count: 5\n\n  inventory-dlq",
    )
    before = engine_state(db)
    result = run(topology, "--db", db, "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "~ update queue order-processing (RedrivePolicy order-processing-dlq after 3 receives "
        "-> order-processing-dlq after 5 receives)",
        "Dry run: 1 change planned, none applied.",
    ]
    assert engine_state(db) == before
    assert run(topology, "--db", db).stdout.splitlines()[-1] == "Applied 1 change."


def test_a_dry_run_on_an_empty_database_creates_nothing(topology: Path, db: Path) -> None:
    result = run(topology, "--db", db, "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "Dry run: 22 changes planned, none applied."
    state = engine_state(db)
    assert (state["queues"], state["rules"], state["archives"]) == ({}, {}, [])


def test_prune_is_off_unless_asked(topology: Path, db: Path) -> None:
    assert run(topology, "--db", db).exit_code == 0
    engine = open_engine(db)
    try:
        engine.sqs.create_queue("legacy")
        engine.events.put_rule("old", '{"source": ["x"]}', event_bus_name="orders")
    finally:
        engine.store.close()
    kept = run(topology, "--db", db)
    assert kept.stdout.splitlines() == [
        "Not in the file, left alone (2; --prune deletes them): rule orders/old, queue legacy",
        "No changes.",
    ]
    pruned = run(topology, "--db", db, "--prune")
    assert pruned.exit_code == 0, pruned.output
    assert pruned.stdout.splitlines() == [
        "- delete rule orders/old",
        "- delete queue legacy",
        "Applied 2 changes.",
    ]
    assert run(topology, "--db", db, "--prune").stdout == "No changes.\n"


def test_an_invalid_file_is_refused_with_located_problems(topology: Path, db: Path) -> None:
    edit(topology, "      - queue: refund\n", "      - queue: nope\n")
    result = run(topology, "--db", db)
    assert result.exit_code == 2
    assert "rules.refund.targets[0]: unknown queue 'nope' (line " in result.stderr
    assert result.stdout == ""
    missing = run(topology.with_name("missing.yaml"), "--db", db)
    assert missing.exit_code == 2
    assert "missing.yaml: no such file" in missing.stderr


def test_a_change_the_engine_refuses_exits_254_naming_it(tmp_path: Path, db: Path) -> None:
    topology = tmp_path / "strict.yaml"
    topology.write_text(
        "queues:\n"
        "  closed-dlq:\n"
        "    attributes: {RedriveAllowPolicy: {redrivePermission: denyAll}}\n"
        "  work:\n"
        "    dead_letter_queue: closed-dlq\n"
        "    max_receive_count: 2\n",
        encoding="utf-8",
    )
    result = run(topology, "--db", db)
    assert result.exit_code == 254
    assert "Applied 1 of 2 changes; then + create queue work failed." in result.stderr
    assert (
        "An error occurred (InvalidParameterValueException) when calling the CreateQueue "
        "operation: " in result.stderr
    )
    assert "is not allowed to use" in result.stderr


def test_the_root_command_s_db_is_used_when_apply_has_none(topology: Path, db: Path) -> None:
    app = typer.Typer()

    @app.callback()
    def root(ctx: typer.Context) -> None:
        ctx.obj = SimpleNamespace(db=db)  # as the orderflow command's --db leaves it

    app.command("apply")(apply_command)
    result = CliRunner().invoke(app, ["apply", str(topology)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "Applied 22 changes."
    assert run(topology, "--db", db).stdout == "No changes.\n"


def test_a_database_that_cannot_be_opened_exits_255(topology: Path, tmp_path: Path) -> None:
    result = run(topology, "--db", tmp_path)  # a folder, not a file
    assert result.exit_code == 255
    assert f"Cannot open the database {tmp_path}" in result.stderr
