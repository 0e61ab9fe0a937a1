"""Topology as code: buses, queues, rules, targets and archives described in one YAML file.

- ``load_topology(path) -> TopologySpec``: read and validate a file; every problem is
  reported at once, located (``rules.orders.targets[0]: unknown queue 'nope' (line 12)``).
- ``plan(engine, spec, *, prune=False) -> Plan``: the typed changes (``CreateQueue``,
  ``PutRule``, ``PutTarget``, ...) that make the engine match the file; empty when it does.
- ``apply(engine, plan) -> Plan``: make them (given a spec, plan first).
- ``converge(engine, spec) -> Plan``: apply a spec that other processes may be applying too.

The file format is described in ``spec``; what is managed in ``plan``, and what ``prune``
deletes in ``prune``.
"""

from orderflow.eventbus.topology_file.apply import apply, converge
from orderflow.eventbus.topology_file.changes import (
    Action,
    Change,
    CreateArchive,
    CreateBus,
    CreateQueue,
    DeleteQueue,
    DeleteRule,
    Kind,
    PutRule,
    PutTarget,
    RemoveTarget,
    UpdateArchive,
    UpdateQueue,
)
from orderflow.eventbus.topology_file.errors import ApplyError, Problem, TopologyError
from orderflow.eventbus.topology_file.loading import load_topology, parse_topology
from orderflow.eventbus.topology_file.plan import Plan, plan
from orderflow.eventbus.topology_file.spec import TopologySpec

__all__ = [
    "Action",
    "ApplyError",
    "Change",
    "CreateArchive",
    "CreateBus",
    "CreateQueue",
    "DeleteQueue",
    "DeleteRule",
    "Kind",
    "Plan",
    "Problem",
    "PutRule",
    "PutTarget",
    "RemoveTarget",
    "TopologyError",
    "TopologySpec",
    "UpdateArchive",
    "UpdateQueue",
    "apply",
    "converge",
    "load_topology",
    "parse_topology",
    "plan",
]
