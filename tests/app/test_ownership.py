"""Two applications installed side by side: each owns (tags) what it declares, and
``apply --prune`` of either never touches the other's queues and rules; a team's file may
use the ``orders`` bus without declaring it; a queue that holds messages is deleted only
with ``--force``."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from orderflow.app import App
from orderflow.bootstrap.apps import loaded_apps
from orderflow.bootstrap.system import System, app_topology, install, open_system
from orderflow.eventbus.topology_file import TopologyError, apply, parse_topology, plan
from orderflow.eventbus.topology_file.spec import OWNER_TAG
from tests.integration.system.commands import orderflow


@pytest.fixture
def system(tmp_path: Path, shipping: ModuleType) -> Iterator[System]:
    opened = open_system(tmp_path / "shop.db", apps=loaded_apps(["shipping:app"]))
    try:
        install(opened)
        yield opened
    finally:
        opened.close()


def _queues(system: System) -> set[str]:
    sqs = system.engine.sqs
    return {sqs.name_of(url) for url in sqs.list_queues()}


def test_each_app_tags_what_it_owns(system: System) -> None:
    sqs, events = system.engine.sqs, system.engine.events
    assert sqs.list_queue_tags("shipping") == {OWNER_TAG: "shipping"}
    assert sqs.list_queue_tags("shipping-dlq") == {OWNER_TAG: "shipping"}
    assert sqs.list_queue_tags("inventory") == {OWNER_TAG: "orderflow"}
    rule = events.describe_rule("shipping", "orders")["Arn"]
    assert events.list_tags_for_resource(rule) == {OWNER_TAG: "shipping"}


def test_neither_app_can_prune_the_others_resources(system: System) -> None:
    system.engine.sqs.send_message("shipping-dlq", "a poison event, kept for an operator")
    before = _queues(system)
    for app in system.apps:
        planned = plan(system.engine, app_topology(app), prune=True, force=True)
        assert planned.empty, (app.name, [c.summary for c in planned.changes])
    shipping = App("shipping")  # the next version of the app drops its consumer
    planned = plan(system.engine, app_topology(shipping), prune=True)
    assert [c.summary for c in planned.changes] == [
        "- delete target shipping of rule orders/shipping",
        "- delete rule orders/shipping",
        "- delete queue shipping",
    ]
    assert (
        "queue shipping-dlq is not in the file but stays: it is holding 1 message (--force "
        "deletes it, and them)" in planned.notes
    )
    apply(system.engine, planned)
    assert before - _queues(system) == {"shipping"}


def test_a_file_cannot_take_over_what_another_owns(system: System) -> None:
    text = textwrap.dedent(
        """
        owner: team
        queues:
          inventory: {}
        """
    )
    with pytest.raises(TopologyError, match="queue inventory belongs to 'orderflow'"):
        plan(system.engine, parse_topology(text))


def test_a_team_file_on_the_orders_bus_prunes_only_its_own(system: System, tmp_path: Path) -> None:
    db = tmp_path / "shop.db"
    team = tmp_path / "team.yaml"
    team.write_text(
        textwrap.dedent(
            """
            version: 1
            owner: team
            queues:
              audit: {}
            rules:
              audit:
                bus: orders
                pattern: {source: [{prefix: "com.mycompany."}]}
                targets: [{queue: audit}]
            """
        )
    )
    system.close()
    applied = orderflow("apply", str(team), db=db)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    team.write_text("version: 1\nowner: team\n")
    pruned = orderflow("apply", str(team), "--prune", db=db)
    assert pruned.returncode == 0, pruned.stdout + pruned.stderr
    assert "- delete rule orders/audit" in pruned.stdout
    assert "- delete queue audit" in pruned.stdout
    assert "inventory" not in pruned.stdout and "shipping" not in pruned.stdout
    queues = json.loads(orderflow("sqs", "list-queues", db=db).stdout)["QueueUrls"]
    assert len(queues) == 12, queues  # the built-ins' 10 and shipping's 2, untouched
