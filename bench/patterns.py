"""Pattern-matching benchmark: orderflow's ``RuleIndex`` against moto's EventBridge matcher.

Run with ``make bench`` or ``.venv/bin/python bench/patterns.py`` (``--json`` for a
machine-readable report, ``--help`` for the knobs).

Workload (deterministic: every generator draws from a ``random.Random`` seeded by ``--seed``)

Events: EventBridge envelopes of about 1 KB of compact JSON, source ``com.mycompany.orders``,
detail-type OrderCreated / OrderUpdated / OrderCancelled (uniform), detail::

    {eventVersion, order: {orderId, totalAmount, currency, items: [{sku, quantity, price}] x 3-15,
     channel}, customer: {userId, isRefundEligible}, payment: {method, status},
     metadata: {createdAt, correlationId}}

``orderId`` is ``ORD-`` + 10 hex digits; ``userId`` one of 1,000 users; ``sku`` is a category
(10) + 4 digits; channel and currency are skewed (web/USD most common); 10 % of events have
no ``payment.status`` yet.

Rules: every rule constrains ``source`` (10 % also list ``com.mycompany.returns``) and
``detail-type``, plus 1-3 content conditions:

- rule 0, an audit rule: all three detail-types and ``payment.status`` exists;
- every 50th rule, a fan-out rule: one detail-type and 1-2 refinements. Two workloads
  (``--workload``, both by default): *targeted* draws fan-out rules only among the first
  1,000 rules (at most 20 broad consumers, as a real bus has a handful: audit, analytics,
  fraud), *fan-out* among all (2 % of every rule set, 200 broad rules at 10,000);
- the rest, routing rules: 1-2 detail-types, one selective key condition and
  0-2 refinements.

Key conditions (one per routing rule, equally likely):
  exact ``customer.userId`` (1-3 users of the pool), prefix ``order.orderId`` (``ORD-`` +
  2 hex digits, 1/256 of orders), prefix ``order.items.sku`` (category + 2 digits, 1/1000
  of items).
Refinements (drawn without replacement, equally likely):
  numeric range on ``order.totalAmount`` (``>= lo, < hi``), anything-but on ``order.channel``
  or ``order.currency`` (1-2 excluded values; string and list forms), ``payment.status``
  exists.

So a routing rule matches about one event in a thousand, a fan-out rule about one in six and
the audit rule nine in ten. With the default seed an event matches about 0.9 rules at 10 rules
(mostly the audit rule); at 10,000 about 20 in the targeted workload and 51 in the fan-out one
(33 fan-out, 16 routing, the audit rule); the "matched/event" column shows the measured figure.
The cost of a match grows with the rules an event (partly) satisfies, so the fan-out workload
measures the output's size as much as the index.

Measured, per rule count (10, 100, 1,000, 10,000; each set is a prefix of the next):

- orderflow: ``RuleIndex.match(json_text)`` over every event, so JSON parsing is included as
  the bus receives text; warm-up pass, then the median of several timed passes.
- moto: what moto's ``put_events`` does per event, reduced to the matching itself: parse the
  event JSON once, then ``pattern.matches_event(event)`` for every rule, each pattern loaded
  once beforehand with ``moto.events.models.EventPattern.load(pattern_json)`` (moto has no
  index: it loops over the bus's rules, and ``matches_event`` re-serialises and flattens the
  event for each rule). The per-rule envelope copy and
  re-parse of ``Detail`` that moto's ``put_events`` also does are left out, so moto is
  measured favourably. Time-bounded (``--moto-seconds`` per rule count, at most
  ``--moto-max-events`` events), events/s extrapolated from the events it got through.
- agreement: the match sets of every event moto processed are compared with orderflow's.
  Disagreeing (rule, event) decisions are attributed to the rule conditions on which the two
  engines differ when each condition is tested alone. Known moto gaps: its flattening keeps
  arrays of objects whole (so ``order.items.sku`` is never found), it does no array-consistent
  matching and lacks some operators.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from rich.console import Console
from rich.table import Table

from orderflow.eventbus import RuleIndex

SOURCE = "com.mycompany.orders"
OTHER_SOURCE = "com.mycompany.returns"
DETAIL_TYPES = ("OrderCreated", "OrderUpdated", "OrderCancelled")
CHANNELS = ("web", "mobile", "store", "partner", "marketplace")
CHANNEL_WEIGHTS = (45, 30, 15, 5, 5)
CURRENCIES = ("USD", "EUR", "GBP", "JPY")
CURRENCY_WEIGHTS = (50, 25, 15, 10)
SKU_CATEGORIES = ("BOOK", "ELEC", "HOME", "TOYS", "FOOD", "GARD", "SPRT", "BEAU", "AUTO", "PETS")
PAYMENT_METHODS = ("card", "paypal", "apple_pay", "bank_transfer", "gift_card")
PAYMENT_STATUSES = ("authorized", "captured", "pending", "declined", "refunded")
REGIONS = ("eu-west-1", "us-east-1", "ap-southeast-2")
USER_POOL = 1_000
AMOUNT_LOWS = (0, 100, 250, 500, 1_000, 1_500, 2_000, 3_000)
AMOUNT_WIDTHS = (100, 250, 500, 1_000, 2_000)
FAN_OUT_EVERY = 50
WORKLOADS: dict[str, int | None] = {"targeted": 1_000, "fan-out": None}
"""Workload name -> fan-out rules are drawn only among the first N rules (None: among all)."""
WORKLOAD_NOTES = {
    "targeted": "a handful of broad consumers (at most 20 fan-out rules), the rest targeted",
    "fan-out": "2% of all rules broad: matches per event grow with the rule count",
}

RULE_COUNTS = (10, 100, 1_000, 10_000)
TARGET_EVENTS_PER_S = 20_000.0
TARGET_COST_RATIO = 3.0
TARGET_SPEEDUP = 500.0
TARGET_SPEEDUP_RULES = 1_000
REPORT_WIDTH = 120


# -- workload ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """One field test of a rule: ``filters`` is the JSON array the pattern holds at ``path``."""

    path: tuple[str, ...]
    operator: str
    filters: tuple[Any, ...]

    @property
    def label(self) -> str:
        return f"{self.operator} on {'.'.join(self.path)}"

    def pattern(self) -> dict[str, Any]:
        return pattern_of([self])


@dataclass(frozen=True)
class Rule:
    name: str
    kind: str
    conditions: tuple[Condition, ...]

    def pattern_json(self) -> str:
        return json.dumps(pattern_of(self.conditions))


def pattern_of(conditions: Sequence[Condition]) -> dict[str, Any]:
    """The nested event pattern holding every condition at its path."""
    root: dict[str, Any] = {}
    for condition in conditions:
        node = root
        for key in condition.path[:-1]:
            node = node.setdefault(key, {})
        node[condition.path[-1]] = list(condition.filters)
    return root


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _timestamp(rng: random.Random) -> str:
    day, second = rng.randrange(1, 29), rng.randrange(86_400)
    return f"2024-05-{day:02d}T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}Z"


def make_event(rng: random.Random) -> dict[str, Any]:
    """One order event envelope (about 1 KB as compact JSON)."""
    lines = [
        (
            f"{rng.choice(SKU_CATEGORIES)}-{rng.randrange(10_000):04d}",
            rng.randint(1, 3),
            round(rng.uniform(2.0, 150.0), 2),
        )
        for _ in range(rng.randint(3, 15))
    ]
    items = [{"sku": sku, "quantity": quantity, "price": price} for sku, quantity, price in lines]
    payment: dict[str, Any] = {"method": rng.choice(PAYMENT_METHODS)}
    if rng.random() >= 0.1:
        payment["status"] = rng.choice(PAYMENT_STATUSES)
    created = _timestamp(rng)
    return {
        "version": "0",
        "id": _uuid(rng),
        "detail-type": rng.choice(DETAIL_TYPES),
        "source": SOURCE,
        "account": "123456789012",
        "time": created,
        "region": rng.choice(REGIONS),
        "resources": [],
        "detail": {
            "eventVersion": "1.2",
            "order": {
                "orderId": f"ORD-{rng.getrandbits(40):010X}",
                "totalAmount": round(sum(quantity * price for _, quantity, price in lines), 2),
                "currency": rng.choices(CURRENCIES, CURRENCY_WEIGHTS)[0],
                "items": items,
                "channel": rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0],
            },
            "customer": {
                "userId": f"user-{rng.randrange(USER_POOL):05d}",
                "isRefundEligible": rng.random() < 0.7,
            },
            "payment": payment,
            "metadata": {"createdAt": created, "correlationId": _uuid(rng)},
        },
    }


def make_events(count: int, seed: int) -> list[str]:
    """``count`` events as compact JSON text."""
    rng = random.Random(seed)
    return [json.dumps(make_event(rng), separators=(",", ":")) for _ in range(count)]


def _detail(*path: str) -> tuple[str, ...]:
    return ("detail", *path)


def _user_exact(rng: random.Random) -> Condition:
    users = rng.sample(range(USER_POOL), rng.randint(1, 3))
    filters = tuple(f"user-{user:05d}" for user in users)
    return Condition(_detail("customer", "userId"), "exact", filters)


def _order_id_prefix(rng: random.Random) -> Condition:
    prefix = f"ORD-{rng.randrange(256):02X}"
    return Condition(_detail("order", "orderId"), "prefix", ({"prefix": prefix},))


def _sku_prefix(rng: random.Random) -> Condition:
    prefix = f"{rng.choice(SKU_CATEGORIES)}-{rng.randrange(100):02d}"
    return Condition(_detail("order", "items", "sku"), "prefix", ({"prefix": prefix},))


def _amount_range(rng: random.Random) -> Condition:
    low = rng.choice(AMOUNT_LOWS)
    high = low + rng.choice(AMOUNT_WIDTHS)
    numeric = {"numeric": [">=", low, "<", high]}
    return Condition(_detail("order", "totalAmount"), "numeric", (numeric,))


def _anything_but(rng: random.Random, name: str, values: Sequence[str]) -> Condition:
    excluded = rng.sample(list(values), rng.randint(1, 2))
    value: str | list[str] = excluded[0] if len(excluded) == 1 else excluded
    return Condition(_detail("order", name), "anything-but", ({"anything-but": value},))


def _channel_anything_but(rng: random.Random) -> Condition:
    return _anything_but(rng, "channel", CHANNELS)


def _currency_anything_but(rng: random.Random) -> Condition:
    return _anything_but(rng, "currency", CURRENCIES)


def _status_exists(_rng: random.Random) -> Condition:
    return Condition(_detail("payment", "status"), "exists", ({"exists": True},))


KEY_CONDITIONS: tuple[Callable[[random.Random], Condition], ...] = (
    _user_exact,
    _order_id_prefix,
    _sku_prefix,
)
REFINEMENTS: tuple[Callable[[random.Random], Condition], ...] = (
    _amount_range,
    _channel_anything_but,
    _currency_anything_but,
    _status_exists,
)


def _envelope(rng: random.Random, detail_types: int) -> list[Condition]:
    sources = (SOURCE, OTHER_SOURCE) if rng.random() < 0.1 else (SOURCE,)
    types = tuple(rng.sample(DETAIL_TYPES, detail_types))
    return [Condition(("source",), "exact", sources), Condition(("detail-type",), "exact", types)]


def _refinements(rng: random.Random, count: int) -> list[Condition]:
    return [make(rng) for make in rng.sample(REFINEMENTS, count)]


def make_rule(rng: random.Random, index: int, broad_until: int | None = None) -> Rule:
    """Rule ``index`` of the workload (see the module docstring for the mix)."""
    name = f"rule-{index:05d}"
    if index == 0:
        conditions = [*_envelope(rng, len(DETAIL_TYPES)), _status_exists(rng)]
        return Rule(name, "audit", tuple(conditions))
    if index % FAN_OUT_EVERY == 0 and (broad_until is None or index < broad_until):
        conditions = [*_envelope(rng, 1), *_refinements(rng, rng.randint(1, 2))]
        return Rule(name, "fan-out", tuple(conditions))
    key = rng.choice(KEY_CONDITIONS)(rng)
    conditions = [*_envelope(rng, rng.randint(1, 2)), key, *_refinements(rng, rng.randint(0, 2))]
    return Rule(name, "routing", tuple(conditions))


def make_rules(count: int, seed: int, workload: str = "targeted") -> list[Rule]:
    """The first ``count`` rules: smaller rule sets are prefixes of larger ones."""
    rng = random.Random(seed + 1)
    broad_until = WORKLOADS[workload]
    return [make_rule(rng, index, broad_until) for index in range(count)]


# -- measuring --------------------------------------------------------------------------


class MotoPattern(Protocol):
    def matches_event(self, event: Any) -> bool: ...


MotoLoader = Callable[[str | None], MotoPattern]


def load_moto() -> MotoLoader:
    """moto's ``EventPattern.load`` (the ``bench`` extra), or exit with a hint."""
    try:
        from moto.events.models import EventPattern
    except ImportError:
        sys.exit("moto is missing: install the bench extra (pip install -e '.[bench]')")
    loader: MotoLoader = EventPattern.load
    return loader


@dataclass
class OrderflowRun:
    build_seconds: float
    pass_seconds: list[float]
    matched: list[set[str]]

    @property
    def median_us(self) -> float:
        return statistics.median(self.pass_seconds) / len(self.matched) * 1e6

    @property
    def spread_us(self) -> tuple[float, float]:
        """The fastest and slowest pass, in µs per event (this machine is noisy)."""
        scale = 1e6 / len(self.matched)
        return min(self.pass_seconds) * scale, max(self.pass_seconds) * scale


@dataclass
class MotoRun:
    events: int
    seconds: float
    matched: list[set[str]]

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds


def build_index(rules: Sequence[Rule]) -> RuleIndex:
    index = RuleIndex()
    for rule in rules:
        index.add(rule.name, rule.pattern_json())
    return index


def run_orderflow(rules: Sequence[Rule], events: Sequence[str], repetitions: int) -> OrderflowRun:
    """Build the index, warm up (keeping the match sets), then time ``repetitions`` passes."""
    start = time.perf_counter()
    index = build_index(rules)
    build_seconds = time.perf_counter() - start
    matched = [index.match(event) for event in events]
    gc.collect()  # start every measurement from the same heap, whatever ran before it
    passes = []
    for _ in range(repetitions):
        start = time.perf_counter()
        for event in events:
            index.match(event)
        passes.append(time.perf_counter() - start)
    return OrderflowRun(build_seconds, passes, matched)


def moto_match(patterns: Sequence[tuple[str, MotoPattern]], event_text: str) -> set[str]:
    """What moto's server does for one event: parse it, then try every rule in turn."""
    event = json.loads(event_text)
    return {name for name, pattern in patterns if pattern.matches_event(event)}


def run_moto(
    loader: MotoLoader,
    rules: Sequence[Rule],
    events: Sequence[str],
    budget_seconds: float,
    max_events: int,
) -> MotoRun:
    """Time moto over the events until the budget or ``max_events`` is reached (after warm-up)."""
    patterns = [(rule.name, loader(rule.pattern_json())) for rule in rules]
    moto_match(patterns, events[0])
    matched: list[set[str]] = []
    elapsed = 0.0
    start = time.perf_counter()
    for event in events[:max_events]:
        matched.append(moto_match(patterns, event))
        elapsed = time.perf_counter() - start
        if elapsed >= budget_seconds:
            break
    return MotoRun(len(matched), elapsed, matched)


# -- agreement --------------------------------------------------------------------------


@dataclass
class Agreement:
    events: int = 0
    events_identical: int = 0
    decisions: int = 0
    orderflow_only: Counter[str] = field(default_factory=Counter)
    moto_only: Counter[str] = field(default_factory=Counter)
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def decisions_differing(self) -> int:
        return sum(self.orderflow_only.values()) + sum(self.moto_only.values())


def crosses_object_array(event: dict[str, Any], path: Sequence[str]) -> bool:
    """Whether ``path`` runs through an array of objects in ``event``."""
    node: Any = event
    for key in path[:-1]:
        node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, list):
            return any(isinstance(element, dict) for element in node)
    return False


def explain(condition: Condition, event: dict[str, Any]) -> str:
    if crosses_object_array(event, condition.path):
        return "path runs through an array of objects: moto keeps such arrays whole, never finds it"
    return "operator semantics differ"


def differing_conditions(loader: MotoLoader, rule: Rule, event: dict[str, Any]) -> list[Condition]:
    """The conditions of ``rule`` on which orderflow and moto disagree, each tested alone."""
    found = []
    for condition in rule.conditions:
        text = json.dumps(condition.pattern())
        index = RuleIndex()
        index.add("alone", text)
        if bool(index.match(event)) != loader(text).matches_event(event):
            found.append(condition)
    return found


def record_disagreement(
    agreement: Agreement, loader: MotoLoader, rule: Rule, event: dict[str, Any], side: Counter[str]
) -> None:
    conditions = differing_conditions(loader, rule, event)
    if not conditions:
        side["combination of conditions (e.g. array consistency)"] += 1
        return
    for condition in conditions:
        side[condition.label] += 1
        agreement.reasons.setdefault(condition.label, explain(condition, event))


def compare(
    agreement: Agreement,
    loader: MotoLoader,
    rules: Sequence[Rule],
    *,
    events: Sequence[str],
    orderflow: Sequence[set[str]],
    moto: Sequence[set[str]],
) -> None:
    """Add to ``agreement`` the comparison of the match sets of the events moto processed."""
    by_name = {rule.name: rule for rule in rules}
    for text, ours, theirs in zip(events, orderflow, moto, strict=False):
        agreement.events += 1
        agreement.decisions += len(rules)
        if ours == theirs:
            agreement.events_identical += 1
            continue
        event = json.loads(text)
        for name in sorted(ours - theirs):
            record_disagreement(agreement, loader, by_name[name], event, agreement.orderflow_only)
        for name in sorted(theirs - ours):
            record_disagreement(agreement, loader, by_name[name], event, agreement.moto_only)


# -- report -----------------------------------------------------------------------------


@dataclass
class Row:
    rules: int
    orderflow: OrderflowRun
    moto: MotoRun | None

    @property
    def events_per_s(self) -> float:
        return 1e6 / self.orderflow.median_us

    @property
    def matched_per_event(self) -> float:
        return statistics.fmean(len(names) for names in self.orderflow.matched)

    @property
    def speedup(self) -> float | None:
        return self.events_per_s / self.moto.events_per_s if self.moto else None


@dataclass
class Target:
    name: str
    value: float | None
    threshold: str
    passed: bool | None


def targets(rows: Sequence[Row]) -> list[Target]:
    by_rules = {row.rules: row for row in rows}
    big, small, mid = by_rules.get(10_000), by_rules.get(10), by_rules.get(TARGET_SPEEDUP_RULES)
    rate = big.events_per_s if big else None
    ratio = big.orderflow.median_us / small.orderflow.median_us if big and small else None
    speedup = mid.speedup if mid else None
    return [
        Target("orderflow events/s at 10,000 rules", rate, f">= {TARGET_EVENTS_PER_S:,.0f}",
               None if rate is None else rate >= TARGET_EVENTS_PER_S),
        Target("cost(10,000 rules) / cost(10 rules)", ratio, f"<= {TARGET_COST_RATIO:g}x",
               None if ratio is None else ratio <= TARGET_COST_RATIO),
        Target("speed-up over moto at 1,000 rules", speedup, f">= {TARGET_SPEEDUP:,.0f}x",
               None if speedup is None else speedup >= TARGET_SPEEDUP),
    ]  # fmt: skip


def machine() -> dict[str, Any]:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"cpus": os.cpu_count(), "cpu_model": model, "python": platform.python_version()}


def moto_version() -> str:
    from importlib.metadata import version

    return version("moto")


def report_json(rows: Sequence[Row], agreement: Agreement, meta: dict[str, Any]) -> str:
    return json.dumps(
        {
            **meta,
            "machine": machine(),
            "rows": [
                {
                    "rules": row.rules,
                    "orderflow_events_per_s": row.events_per_s,
                    "orderflow_us_per_event": row.orderflow.median_us,
                    "orderflow_pass_seconds": row.orderflow.pass_seconds,
                    "orderflow_build_seconds": row.orderflow.build_seconds,
                    "matched_per_event": row.matched_per_event,
                    "moto_events_per_s": row.moto.events_per_s if row.moto else None,
                    "moto_events_timed": row.moto.events if row.moto else None,
                    "moto_seconds": row.moto.seconds if row.moto else None,
                    "speedup": row.speedup,
                }
                for row in rows
            ],
            "targets": [target.__dict__ for target in targets(rows)],
            "agreement": {
                "events": agreement.events,
                "events_identical": agreement.events_identical,
                "decisions": agreement.decisions,
                "decisions_differing": agreement.decisions_differing,
                "orderflow_only": dict(agreement.orderflow_only),
                "moto_only": dict(agreement.moto_only),
                "reasons": agreement.reasons,
            },
        },
        indent=2,
    )


def _fmt(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def results_table(rows: Sequence[Row], meta: dict[str, Any]) -> Table:
    table = Table(
        title=(
            f"Pattern matching: orderflow RuleIndex vs moto ({meta['moto_version']}) "
            f"({meta['events']:,} events, {meta['mean_event_bytes']:,.0f} B mean, "
            f"seed {meta['seed']})"
        ),
        caption=(
            f"* moto time-bounded: about {meta['moto_seconds']:g} s (at most "
            f"{meta['moto_max_events']:,} events) per rule count, events/s extrapolated "
            f"from the events timed. orderflow: median (fastest-slowest) of "
            f"{meta['repetitions']} passes over all events after a warm-up pass, events "
            "given as JSON text."
        ),
    )
    for header in (
        "rules",
        "orderflow events/s",
        "µs/event (min-max)",
        "matched/event",
        "moto events/s*",
        "moto events timed",
        "speed-up ×",  # noqa: RUF001 (the multiplication sign is meant)
    ):
        table.add_column(header, justify="right")
    for row in rows:
        moto = row.moto
        fastest, slowest = row.orderflow.spread_us
        table.add_row(
            f"{row.rules:,}",
            f"{row.events_per_s:,.0f}",
            f"{row.orderflow.median_us:,.1f} ({fastest:,.0f}-{slowest:,.0f})",
            f"{row.matched_per_event:,.2f}",
            _fmt(moto.events_per_s if moto else None, ",.1f"),
            _fmt(moto.events if moto else None, ","),
            _fmt(row.speedup, ",.0f"),
        )
    return table


def targets_table(rows: Sequence[Row]) -> Table:
    table = Table(title="Targets")
    for header in ("target", "measured", "wanted", "result"):
        table.add_column(header)
    for target in targets(rows):
        result = {True: "[green]PASS[/]", False: "[red]FAIL[/]", None: "not measured"}
        table.add_row(
            target.name, _fmt(target.value, ",.2f"), target.threshold, result[target.passed]
        )
    return table


def agreement_table(agreement: Agreement) -> Table:
    table = Table(
        title=(
            f"orderflow vs moto agreement: {agreement.events_identical:,} of "
            f"{agreement.events:,} events have identical match sets; "
            f"{agreement.decisions_differing:,} of {agreement.decisions:,} rule decisions differ"
        ),
        caption="A decision is counted once per condition the engines disagree on alone.",
    )
    for header in ("condition", "orderflow only", "moto only", "why"):
        table.add_column(header)
    for label in sorted(set(agreement.orderflow_only) | set(agreement.moto_only)):
        table.add_row(
            label,
            f"{agreement.orderflow_only[label]:,}",
            f"{agreement.moto_only[label]:,}",
            agreement.reasons.get(label, "unexplained"),
        )
    return table


def print_report(
    console: Console, rows: Sequence[Row], agreement: Agreement, meta: dict[str, Any]
) -> None:
    console.print(results_table(rows, meta))
    console.print(targets_table(rows))
    if agreement.events:
        console.print(agreement_table(agreement))


# -- main -------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--json", action="store_true", help="print a JSON report instead")
    parser.add_argument("--seed", type=int, default=20_240_501)
    parser.add_argument("--events", type=int, default=2_000, help="distinct events per pass")
    parser.add_argument("--repetitions", type=int, default=7, help="timed orderflow passes")
    parser.add_argument("--moto-seconds", type=float, default=2.0, help="moto budget per count")
    parser.add_argument("--moto-max-events", type=int, default=500)
    parser.add_argument(
        "--rules",
        type=lambda text: [int(part) for part in text.split(",")],
        default=list(RULE_COUNTS),
        help="comma-separated rule counts (default 10,100,1000,10000)",
    )
    parser.add_argument("--no-moto", action="store_true", help="skip moto and the agreement")
    parser.add_argument(
        "--workload",
        choices=[*WORKLOADS, "both"],
        default="both",
        help="targeted: at most 20 broad fan-out rules; fan-out: 2%% of all rules broad",
    )
    return parser.parse_args(argv)


def measure(
    args: argparse.Namespace, events: Sequence[str], log: Console, workload: str, *, moto: bool
) -> tuple[list[Row], Agreement]:
    all_rules = make_rules(max(args.rules), args.seed, workload)
    loader = load_moto() if moto else None
    rows, agreement = [], Agreement()
    counts = sorted(args.rules)
    # orderflow first, for every count, so moto's garbage never weighs on orderflow's timing.
    ours: dict[int, OrderflowRun] = {}
    for count in counts:
        log.print(f"{workload}, {count:,} rules: orderflow …")
        ours[count] = run_orderflow(all_rules[:count], events, args.repetitions)
    for count in counts:
        theirs = None
        if loader is not None:
            log.print(f"{count:,} rules: moto …")
            rules = all_rules[:count]
            theirs = run_moto(loader, rules, events, args.moto_seconds, args.moto_max_events)
            compare(
                agreement,
                loader,
                rules,
                events=events,
                orderflow=ours[count].matched,
                moto=theirs.matched,
            )
        rows.append(Row(count, ours[count], theirs))
    return rows, agreement


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    log = Console(stderr=True)
    events = make_events(args.events, args.seed)
    meta = {
        "seed": args.seed,
        "events": len(events),
        "mean_event_bytes": statistics.fmean(len(event.encode()) for event in events),
        "repetitions": args.repetitions,
        "moto_seconds": args.moto_seconds,
        "moto_max_events": args.moto_max_events,
        "moto_version": "skipped" if args.no_moto else moto_version(),
    }
    workloads = list(WORKLOADS) if args.workload == "both" else [args.workload]
    reports = []
    console = Console(width=max(Console().width, REPORT_WIDTH))
    for number, workload in enumerate(workloads):
        # moto's cost does not depend on the mix (it tries every rule): measured once.
        with_moto = not args.no_moto and number == 0
        rows, agreement = measure(args, events, log, workload, moto=with_moto)
        workload_meta = {
            **meta,
            "workload": workload,
            "moto_version": meta["moto_version"] if with_moto else "skipped",
        }
        if args.json:
            reports.append(report_json(rows, agreement, workload_meta))
        else:
            console.rule(f"workload: {workload} — {WORKLOAD_NOTES[workload]}")
            print_report(console, rows, agreement, workload_meta)
    if args.json:
        print("[" + ",\n".join(reports) + "]")


if __name__ == "__main__":
    main()
