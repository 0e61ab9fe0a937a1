"""The shipped alerting rules (``deploy/prometheus/alerts.yml``): valid for Prometheus,
firing as their tests say (``promtool``, from Debian's ``prometheus`` package; CI installs
it), and written against metrics and labels that ``/metrics`` really exposes."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Final

import pytest
import yaml
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from orderflow.bootstrap.system import install, open_system
from orderflow.entrypoints.observability.metrics import metrics_registry
from tests.support.tools import required_tool

RULES: Final = Path(__file__).parents[2] / "deploy" / "prometheus"
REQUIRE: Final = "ORDERFLOW_REQUIRE_PROMTOOL"
SUFFIXES: Final = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_sum", "_count"),
    "gauge": ("",),
}
SERIES: Final = re.compile(r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>.*)\})?$")


def promtool() -> str:
    return required_tool(
        "promtool",
        needed_by="the alerting rules' test",
        install="Debian: apt-get install prometheus",
        variable=REQUIRE,
    )


def run(*args: str) -> str:
    done = subprocess.run(
        [promtool(), *args], cwd=RULES, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_promtool_finds_the_rules_valid() -> None:
    assert "SUCCESS: 7 rules found" in run("check", "rules", "alerts.yml")


def test_each_alert_fires_as_its_test_says_and_only_then() -> None:
    assert "SUCCESS" in run("test", "rules", "alerts_test.yml")
    tested = {
        case["alertname"]
        for test in yaml.safe_load((RULES / "alerts_test.yml").read_text())["tests"]
        for case in test["alert_rule_test"]
    }
    assert tested == {rule["alert"] for rule in rules()}


def rules() -> list[dict[str, str]]:
    groups = yaml.safe_load((RULES / "alerts.yml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


@pytest.fixture(scope="module")
def exposed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str] | None]:
    """Each sample name a scrape of an installed system exposes, with its label names
    (None where the family has no sample yet: nothing counted)."""
    system = open_system(tmp_path_factory.mktemp("alerts") / "o.db")
    try:
        install(system)
        text = generate_latest(metrics_registry(system.clock, system.embedded, system.state))
    finally:
        system.close()
    names: dict[str, set[str] | None] = {}
    for family in text_string_to_metric_families(text.decode()):
        labels = {name for sample in family.samples for name in sample.labels} or None
        for suffix in SUFFIXES[family.type]:
            names[family.name + suffix] = labels
    return names


def test_the_rules_name_only_metrics_that_are_exposed(exposed: dict[str, set[str] | None]) -> None:
    used = {name for rule in rules() for name in re.findall(r"\borderflow_[a-z_]+", rule["expr"])}
    assert len(used) == 6
    assert used <= set(exposed), used - set(exposed)


def test_the_rules_tests_feed_series_shaped_as_a_scrape_shows_them(
    exposed: dict[str, set[str] | None],
) -> None:
    for test in yaml.safe_load((RULES / "alerts_test.yml").read_text())["tests"]:
        for series in test["input_series"]:
            matched = SERIES.match(series["series"])
            assert matched, series
            name = matched["name"]
            if name == "up":  # Prometheus's own, per scrape target
                continue
            assert name in exposed, name
            labels = {pair.split("=")[0] for pair in (matched["labels"] or "").split(",") if pair}
            if exposed[name] is not None:
                assert labels == exposed[name], (name, labels)
