"""``orderflow prune`` on a SQLite file the services worked on: the history goes, the
processed marks stay while the archive keeps events forever, orders and stock stay."""

from __future__ import annotations

import json
from pathlib import Path

from orderflow.bootstrap.system import open_system
from tests.integration.system.commands import orderflow
from tests.support.orders import place_and_handle


def test_prune_lets_the_history_go_and_keeps_what_exactly_once_needs(tmp_path: Path) -> None:
    db = tmp_path / "o.db"
    order_id = place_and_handle(db)
    dry = orderflow("prune", "--older-than", "0s", "--dry-run", "--json", db=db)
    assert dry.returncode == 0, dry.stderr
    would = json.loads(dry.stdout)["rows"]
    assert would["attempts"] >= 7 and would["events"] >= 3 and would["emails"] == 1
    assert json.loads(orderflow("prune", "--older-than", "1d", "--json", db=db).stdout)["rows"] == {
        "attempts": 0,
        "events": 0,
        "emails": 0,
        "processed": 0,
    }

    done = orderflow("prune", "--older-than", "0s", "--json", db=db)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["rows"] == {**would, "processed": 0}
    assert "orders-archive keeps its events forever" in report["processedKept"]
    system = open_system(db)
    try:
        with system.state.reader() as state:
            assert state.attempts_of_message("anything") == []
            assert state.count_older("attempts", system.clock.now_ms() + 1) == 0
            assert state.count_older("processed", system.clock.now_ms() + 1) >= 7
            order = state.get("orders.order", order_id)
            assert order is not None and order["status"] == "CONFIRMED"
    finally:
        system.close()
    table = orderflow("prune", "--older-than", "0s", db=db).stdout
    assert "delivery attempts" in table and "processed marks kept" in table


def test_prune_refuses_an_age_it_cannot_read(tmp_path: Path) -> None:
    done = orderflow("prune", "--older-than", "2w", db=tmp_path / "o.db")
    assert done.returncode == 2
    assert "'2w' is not an age" in done.stderr
