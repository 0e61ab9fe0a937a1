"""``orderflow apply FILE --endpoint-url URL``: a topology applied through boto3 to a real
endpoint on loopback (``orderflow serve`` over a fresh SQLite file, and moto's server),
read back through boto3 and compared with the same file applied to an embedded engine."""

from __future__ import annotations

import json
import logging
import shutil
import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import typer
from moto.server import ThreadedMotoServer
from typer.testing import CliRunner, Result

from orderflow.adapters.aws.apis import open_remote_apis
from orderflow.adapters.aws.connection import AwsConnection
from orderflow.adapters.aws.remote_events import RemoteEvents
from orderflow.adapters.aws.remote_queues import RemoteQueues
from orderflow.bootstrap import open_engine
from orderflow.entrypoints.cli.apply import apply_command
from orderflow.eventbus.engine import Engine
from orderflow.eventbus.errors import ResourceNotFoundException
from orderflow.eventbus.names import AwsScope
from orderflow.eventbus.queues.errors import QueueDoesNotExist
from orderflow.eventbus.topology_file import TopologySpec, apply, parse_topology, plan
from orderflow.services.topology import topology_document
from tests.support.served import serving

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "topology.yaml"
REGION = "eu-west-1"
SERVE_ACCOUNT = "000000000000"  # orderflow serve's, for an access key that is not 12 digits
MOTO_ACCOUNT = "123456789012"  # what moto's STS answers, and its ARNs name
QUEUE_ATTRIBUTES = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "RedrivePolicy",
)


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Dummy credentials, and nothing from the machine's own AWS configuration."""
    for name in ("AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.chdir(tmp_path)  # a database the command should not open would appear here


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """``orderflow serve`` on loopback over a fresh SQLite file: its URL."""
    with serving(tmp_path / "served.db") as url:
        yield url


@pytest.fixture
def moto_url() -> Iterator[str]:
    """moto's server on a free loopback port, its (process-wide) state reset: its URL."""
    requests = logging.getLogger("werkzeug")
    level = requests.level
    requests.setLevel(logging.ERROR)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    _moto_reset(url)
    try:
        yield url
    finally:
        _moto_reset(url)
        server.stop()
        requests.setLevel(level)


def _moto_reset(url: str) -> None:
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200


@pytest.fixture
def topology(tmp_path: Path) -> Path:
    copy = tmp_path / "topology.yaml"
    shutil.copyfile(EXAMPLE, copy)
    return copy


def run(*args: str | Path) -> Result:
    app = typer.Typer()
    app.command()(apply_command)
    return CliRunner().invoke(app, [str(arg) for arg in args])


def run_remote(url: str, *args: str | Path) -> Result:
    return run(*args, "--endpoint-url", url, "--region", REGION)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def services_spec() -> TopologySpec:
    return parse_topology(json.dumps(topology_document()), "services")


def embedded(tmp_path: Path, account: str = SERVE_ACCOUNT) -> Engine:
    """A fresh embedded engine naming ARNs as the endpoint does (region, account)."""
    return open_engine(tmp_path / f"embedded-{account}.db", scope=AwsScope(REGION, account))


# -- reading back ------------------------------------------------------------------------


def _pattern(text: str | None) -> Any:
    return json.loads(text) if text else None


def _queue(attributes: dict[str, str]) -> dict[str, Any]:
    kept: dict[str, Any] = {key: attributes.get(key) for key in QUEUE_ATTRIBUTES}
    if kept["RedrivePolicy"]:
        kept["RedrivePolicy"] = json.loads(kept["RedrivePolicy"])
    return kept


def snapshot(
    buses: dict[str, str],
    rules: dict[tuple[str, str], dict[str, Any]],
    targets: dict[tuple[str, str], list[dict[str, Any]]],
    queues: dict[str, dict[str, str]],
    archives: list[dict[str, Any]],
) -> dict[str, Any]:
    """What a topology is made of, as comparable values (JSON parsed, ids sorted)."""
    return {
        "buses": buses,
        "rules": {
            f"{bus}/{name}": {
                "Arn": rule["Arn"],
                "EventPattern": _pattern(rule.get("EventPattern")),
                "State": rule["State"],
                "Description": rule.get("Description", ""),
            }
            for (bus, name), rule in sorted(rules.items())
        },
        "targets": {
            f"{bus}/{name}": sorted(listed, key=lambda target: str(target["Id"]))
            for (bus, name), listed in sorted(targets.items())
        },
        "queues": {name: _queue(attributes) for name, attributes in sorted(queues.items())},
        "archives": {
            archive["ArchiveName"]: {
                "EventSourceArn": archive["EventSourceArn"],
                "EventPattern": _pattern(archive.get("EventPattern")),
                "Description": archive.get("Description", ""),
                "RetentionDays": archive["RetentionDays"],
                "State": archive["State"],
            }
            for archive in archives
        },
    }


def client(service: str, url: str) -> Any:
    return boto3.session.Session().client(service, endpoint_url=url, region_name=REGION)


def remote_snapshot(url: str) -> dict[str, Any]:
    """The endpoint's topology, read with boto3 alone (not through orderflow's adapter)."""
    events, sqs = client("events", url), client("sqs", url)
    buses = {
        bus["Name"]: events.describe_event_bus(Name=bus["Name"]).get("Description", "")
        for bus in events.list_event_buses()["EventBuses"]
    }
    rules = {
        (bus, rule["Name"]): rule
        for bus in buses
        for rule in events.list_rules(EventBusName=bus)["Rules"]
        if not rule.get("ManagedBy")  # moto, as AWS, keeps an archive's events with a rule
    }
    targets = {
        (bus, name): events.list_targets_by_rule(Rule=name, EventBusName=bus)["Targets"]
        for bus, name in rules
    }
    queues = {
        queue_url.rsplit("/", 1)[1]: sqs.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["All"]
        )["Attributes"]
        for queue_url in sqs.list_queues().get("QueueUrls", [])
    }
    archives = [
        events.describe_archive(ArchiveName=archive["ArchiveName"])
        for archive in events.list_archives()["Archives"]
    ]
    return snapshot(buses, rules, targets, queues, archives)


def engine_snapshot(engine: Engine) -> dict[str, Any]:
    events, sqs = engine.events, engine.sqs
    buses = {
        bus["Name"]: events.describe_event_bus(bus["Name"]).get("Description", "")
        for bus in events.list_event_buses()
    }
    rules = {
        (bus, rule["Name"]): rule for bus in buses for rule in events.list_rules(event_bus_name=bus)
    }
    targets = {
        (bus, name): events.list_targets_by_rule(name, event_bus_name=bus) for bus, name in rules
    }
    queues = {
        queue_url.rsplit("/", 1)[1]: sqs.get_queue_attributes(queue_url)
        for queue_url in sqs.list_queues()
    }
    archives = [
        events.describe_archive(archive["ArchiveName"]) for archive in events.list_archives()
    ]
    return snapshot(buses, rules, targets, queues, archives)


def embedded_snapshot(tmp_path: Path, spec: TopologySpec, account: str) -> dict[str, Any]:
    engine = embedded(tmp_path, account)
    try:
        apply(engine, spec)
        return engine_snapshot(engine)
    finally:
        engine.store.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


# -- orderflow serve -----------------------------------------------------------------------


def test_the_example_applies_remotely_as_it_does_to_the_embedded_engine(
    served: str, topology: Path, tmp_path: Path
) -> None:
    remote = run_remote(served, topology)
    assert remote.exit_code == 0, remote.output
    local = run(topology, "--db", tmp_path / "local.db")
    assert remote.stdout == local.stdout  # the same plan, the same report
    assert remote.stdout.splitlines()[-1] == "Applied 22 changes."

    state = remote_snapshot(served)
    spec_state = embedded_snapshot(tmp_path, parse_topology(topology.read_text()), SERVE_ACCOUNT)
    assert state == spec_state
    assert state["queues"]["inventory"]["RedrivePolicy"] == {
        "deadLetterTargetArn": f"arn:aws:sqs:{REGION}:{SERVE_ACCOUNT}:inventory-dlq",
        "maxReceiveCount": 3,
    }
    assert state["targets"]["orders/inventory"] == [
        {
            "Id": "inventory",
            "Arn": f"arn:aws:sqs:{REGION}:{SERVE_ACCOUNT}:inventory",
            "RetryPolicy": {"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 86400},
        }
    ]
    assert state["archives"]["orders-archive"]["EventSourceArn"] == (
        f"arn:aws:events:{REGION}:{SERVE_ACCOUNT}:event-bus/orders"
    )

    again = run_remote(served, topology)
    assert again.exit_code == 0, again.output
    assert again.stdout == "No changes.\n"
    assert remote_snapshot(served) == state
    assert not (tmp_path / ".orderflow").exists()  # no database opened for the remote apply


def test_the_services_topology_applies_remotely_as_to_the_embedded_engine(
    served: str, tmp_path: Path
) -> None:
    spec = services_spec()
    apis = open_remote_apis(AwsConnection(served, REGION))
    try:
        assert apis.scope == AwsScope(REGION, SERVE_ACCOUNT, served)
        applied = apply(apis, spec)
        engine = embedded(tmp_path)
        try:
            assert [change.summary for change in applied.changes] == [
                change.summary for change in plan(engine, spec).changes
            ]
        finally:
            engine.store.close()
        state = remote_snapshot(served)
        assert state == embedded_snapshot(tmp_path, spec, SERVE_ACCOUNT)
        forwards = [  # the tutorial's events, forwarded from the default bus to orders
            target["Arn"]
            for rule, listed in state["targets"].items()
            if rule.startswith("default/")
            for target in listed
        ]
        assert forwards == [f"arn:aws:events:{REGION}:{SERVE_ACCOUNT}:event-bus/orders"]
        assert plan(apis, spec).empty
        assert plan(apis, spec, prune=True).empty
    finally:
        apis.close()


def test_an_edited_file_is_planned_and_applied_remotely(
    served: str, topology: Path, tmp_path: Path
) -> None:
    assert run_remote(served, topology).exit_code == 0
    edit(
        topology,
        "detail-type: [OrderCreated, OrderCancelled]\n    targets:\n      - queue: inventory",
        "detail-type: [OrderCreated, OrderUpdated, OrderCancelled]\n"
        "    targets:\n      - queue: inventory",
    )
    edit(
        topology,
        "      - queue: refund\n",
        "      - queue: refund\n"
        "        retry_policy: {maximum_retry_attempts: 3, maximum_event_age_seconds: 3600}\n"
        "        dead_letter_queue: refund-dlq\n",
    )
    edit(topology, "attributes: {VisibilityTimeout: 60}", "attributes: {VisibilityTimeout: 90}")
    result = run_remote(served, topology)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "~ update queue order-processing (VisibilityTimeout 60 -> 90)",
        "~ update rule orders/inventory (pattern)",
        "~ update target refund of rule orders/refund (dead_letter_queue; retry_policy)",
        "Applied 3 changes.",
    ]
    state = remote_snapshot(served)
    assert state == embedded_snapshot(tmp_path, parse_topology(topology.read_text()), SERVE_ACCOUNT)
    assert state["targets"]["orders/refund"] == [
        {
            "Id": "refund",
            "Arn": f"arn:aws:sqs:{REGION}:{SERVE_ACCOUNT}:refund",
            "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600},
            "DeadLetterConfig": {"Arn": f"arn:aws:sqs:{REGION}:{SERVE_ACCOUNT}:refund-dlq"},
        }
    ]
    assert state["queues"]["order-processing"]["VisibilityTimeout"] == "90"
    assert run_remote(served, topology).stdout == "No changes.\n"


def test_a_dry_run_changes_nothing_on_the_endpoint(served: str, topology: Path) -> None:
    empty = remote_snapshot(served)
    first = run_remote(served, topology, "--dry-run")
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines()[-1] == "Dry run: 22 changes planned, none applied."
    assert remote_snapshot(served) == empty

    assert run_remote(served, topology).exit_code == 0
    edit(
        topology,
        "max_receive_count: 3\n\n  inventory-dlq",
        "max_receive_count: 5\n\n  inventory-dlq",
    )
    before = remote_snapshot(served)
    dry = run_remote(served, topology, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.splitlines() == [
        "~ update queue order-processing (RedrivePolicy order-processing-dlq after 3 receives "
        "-> order-processing-dlq after 5 receives)",
        "Dry run: 1 change planned, none applied.",
    ]
    assert remote_snapshot(served) == before


def test_prune_deletes_on_the_endpoint_only_when_asked(served: str, topology: Path) -> None:
    assert run_remote(served, topology).exit_code == 0
    sqs, events = client("sqs", served), client("events", served)
    sqs.create_queue(QueueName="legacy")
    events.put_rule(Name="old", EventPattern='{"source": ["x"]}', EventBusName="orders")
    kept = run_remote(served, topology)
    assert kept.stdout.splitlines() == [
        "Not in the file, left alone (2; --prune deletes them): rule orders/old, queue legacy",
        "No changes.",
    ]
    pruned = run_remote(served, topology, "--prune")
    assert pruned.exit_code == 0, pruned.output
    assert pruned.stdout.splitlines() == [
        "- delete rule orders/old",
        "- delete queue legacy",
        "Applied 2 changes.",
    ]
    assert "legacy" not in remote_snapshot(served)["queues"]
    assert run_remote(served, topology, "--prune").stdout == "No changes.\n"


def test_the_account_of_arns_is_the_one_the_endpoint_names(
    served: str, topology: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # orderflow serve has no STS: the account is read from the default bus's ARN, which
    # it names after a 12-digit access key.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "111122223333")
    assert run_remote(served, topology).exit_code == 0
    state = remote_snapshot(served)
    assert state["targets"]["orders/refund"][0]["Arn"] == (
        f"arn:aws:sqs:{REGION}:111122223333:refund"
    )
    assert state["queues"]["refund"]["RedrivePolicy"]["deadLetterTargetArn"] == (
        f"arn:aws:sqs:{REGION}:111122223333:refund-dlq"
    )
    assert run_remote(served, topology).stdout == "No changes.\n"


def test_an_endpoint_that_does_not_answer_exits_255_in_one_line(
    topology: Path, tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = run_remote(url, topology)
    assert result.exit_code == 255
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {url} did not answer: ")
    assert lines[0].endswith("(nothing applied)")
    assert not (tmp_path / ".orderflow").exists()


def test_options_that_contradict_each_other_are_refused(topology: Path, tmp_path: Path) -> None:
    both = run(topology, "--db", tmp_path / "x.db", "--endpoint-url", "http://127.0.0.1:1")
    assert both.exit_code == 2
    assert "Give --db or --endpoint-url, not both." in both.stderr
    alone = run(topology, "--db", tmp_path / "x.db", "--region", REGION)
    assert alone.exit_code == 2
    assert "--region and --profile go with --endpoint-url." in alone.stderr
    assert not (tmp_path / "x.db").exists()


# -- moto's server -------------------------------------------------------------------------


def test_the_services_topology_applies_to_moto(moto_url: str, tmp_path: Path) -> None:
    spec = services_spec()
    apis = open_remote_apis(AwsConnection(moto_url, REGION))
    try:
        assert apis.scope.account == MOTO_ACCOUNT  # from moto's STS GetCallerIdentity
        applied = apply(apis, spec)
        assert not applied.empty
        state = remote_snapshot(moto_url)
        expected = embedded_snapshot(tmp_path, spec, MOTO_ACCOUNT)
        # moto gives a new queue AWS's current default MaximumMessageSize, 1 MiB; the
        # engine's default (which the plan restores for a size the file does not give)
        # is still the former 256 KiB. Everything else is the embedded engine's.
        for queue in state["queues"].values():
            assert queue.pop("MaximumMessageSize") == "1048576"
        for queue in expected["queues"].values():
            assert queue.pop("MaximumMessageSize") == "262144"
        assert state == expected
        assert state["archives"]  # moto has archives: nothing to leave out of the file

        again = plan(apis, spec)
        assert {change.summary.split(" (")[1] for change in again.changes} == {
            "MaximumMessageSize 1048576 -> 262144)"
        }
        assert len(again.changes) == len(spec.queues)
        apply(apis, again)
        assert remote_snapshot(moto_url) == embedded_snapshot(tmp_path, spec, MOTO_ACCOUNT)
        assert plan(apis, spec).empty
        # moto, as AWS, keeps an archive's events with a rule it manages on the bus: not
        # the file's, so prune leaves it alone
        assert plan(apis, spec, prune=True).empty
    finally:
        apis.close()


def test_moto_s_pages_are_followed_to_the_end(moto_url: str) -> None:
    events = RemoteEvents(client("events", moto_url), moto_url, page_size=2)
    queues = RemoteQueues(client("sqs", moto_url), moto_url, page_size=2)
    names = [f"queue-{index}" for index in range(5)]
    for name in names:
        queues.create_queue(name)
    events.create_event_bus("orders")
    for index in range(5):
        events.put_rule(f"rule-{index}", '{"source": ["x"]}', event_bus_name="orders")
    assert [url.rsplit("/", 1)[1] for url in queues.list_queues()] == names
    assert [url.rsplit("/", 1)[1] for url in queues.list_queues(max_results=3)] == names[:3]
    assert [rule["Name"] for rule in events.list_rules(event_bus_name="orders")] == [
        f"rule-{index}" for index in range(5)
    ]
    assert queues.get_queue_attributes("queue-3")["QueueArn"].endswith(":queue-3")


@pytest.mark.parametrize("endpoint", ["served", "moto_url"])
def test_what_does_not_exist_is_the_engine_s_error(
    endpoint: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue(endpoint)
    apis = open_remote_apis(AwsConnection(url, REGION))
    try:
        with pytest.raises(QueueDoesNotExist):
            apis.sqs.get_queue_attributes("nope")
        with pytest.raises(ResourceNotFoundException):
            apis.events.list_rules(event_bus_name="nope")
        with pytest.raises(ResourceNotFoundException):
            apis.events.list_targets_by_rule("nope")
    finally:
        apis.close()
