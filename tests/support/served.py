"""``orderflow serve`` for a test: the AWS-compatible endpoint on loopback, over a fresh
SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from orderflow.bootstrap import open_engine
from orderflow.entrypoints.aws_api import serve_in_thread
from orderflow.eventbus.topology_file import TopologySpec, apply


@contextmanager
def serving(database: Path, *topologies: TopologySpec) -> Iterator[str]:
    """The endpoint over ``database``, ``topologies`` applied to it first: its URL."""
    engine = open_engine(database)
    try:
        for topology in topologies:
            apply(engine, topology)
        with serve_in_thread(engine) as running:
            yield running.url
    finally:
        engine.store.close()
