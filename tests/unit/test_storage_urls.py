"""Where the state lives, by URL (``bootstrap.storage``), and the transport options."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from orderflow.bootstrap import AwsConnection, StorageUrlError, storage_location
from orderflow.bootstrap.storage import parse_storage_url
from orderflow.entrypoints.cli.system.transport_options import transport_choice


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("shop.db", Path("shop.db")),
        ("data/shop.db", Path("data/shop.db")),
        ("/var/lib/shop.db", Path("/var/lib/shop.db")),
        ("sqlite:///shop.db", Path("shop.db")),
        ("sqlite:///data/shop.db", Path("data/shop.db")),
        ("sqlite:////var/lib/shop.db", Path("/var/lib/shop.db")),
        ("SQLite:///My%20Shop.db", Path("My Shop.db")),
        ("C:\\shop.db", Path("C:\\shop.db")),
        ("./a:b.db", Path("./a:b.db")),
    ],
)
def test_a_path_or_a_sqlite_url_names_a_file(url: str, path: Path) -> None:
    assert parse_storage_url(url).path == path


def test_memory_names_no_file() -> None:
    assert parse_storage_url("memory:").in_memory


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("", "empty"),
        ("sqlite://host/shop.db", "sqlite:///relative/file.db"),
        ("sqlite:///", "sqlite:///relative/file.db"),
        ("sqlite:///shop.db?mode=ro", "no ?query"),
        ("redis://127.0.0.1/0", "not redis:"),
        ("mysql://127.0.0.1/shop", "postgresql://USER@HOST/DB, sqlite:///FILE, memory:"),
    ],
)
def test_a_url_orderflow_cannot_open_is_refused_with_what_works(url: str, words: str) -> None:
    with pytest.raises(StorageUrlError, match=re.escape(words)):
        parse_storage_url(url)


def test_a_password_in_a_refused_url_is_masked() -> None:
    with pytest.raises(StorageUrlError) as refused:
        parse_storage_url("mysql://shop:s3cr3t@db.example.com:3306/orders")
    assert "s3cr3t" not in str(refused.value)
    assert "mysql://shop:***@db.example.com:3306/orders" in str(refused.value)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://postgres@127.0.0.1:5432/shop",
        "postgres://shop@db.example.com/orders",
        "postgresql://shop:s3cr3t@db.example.com/orders",
    ],
)
def test_a_postgresql_url_names_a_database(url: str) -> None:
    location = parse_storage_url(url)
    assert (location.postgres_url, location.path, location.in_memory) == (url, None, False)
    assert "s3cr3t" not in location.shown


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("postgresql://db.example.com", "postgresql://USER@HOST[:PORT]/DATABASE"),
        ("postgresql:///orders", "postgresql://USER@HOST[:PORT]/DATABASE"),
        ("postgresql://u:s3cr3t@h:99999/db", "Port out of range"),
    ],
)
def test_a_postgresql_url_without_a_host_a_database_or_a_port_is_refused(
    url: str, words: str
) -> None:
    with pytest.raises(StorageUrlError, match=re.escape(words)) as refused:
        parse_storage_url(url)
    assert "s3cr3t" not in str(refused.value)


def test_the_environment_names_the_store_when_no_option_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ORDERFLOW_DB", "sqlite:///from-env.db")
    assert storage_location(None).path == Path("from-env.db")
    assert storage_location("given.db").path == Path("given.db")


def test_the_transport_is_the_engine_unless_the_aws_apis_are_asked_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ORDERFLOW_TRANSPORT", raising=False)
    assert transport_choice(False, None, None, None).aws is None
    chosen = transport_choice(False, "http://127.0.0.1:4566", "eu-west-1", None)
    assert chosen.aws == AwsConnection("http://127.0.0.1:4566", "eu-west-1", None)
    assert chosen.arguments == [
        "--aws",
        "--endpoint-url",
        "http://127.0.0.1:4566",
        "--region",
        "eu-west-1",
    ]
    monkeypatch.setenv("ORDERFLOW_TRANSPORT", "aws")
    assert transport_choice(False, None, None, "prod").aws == AwsConnection(None, None, "prod")


@pytest.mark.parametrize(
    ("environment", "arguments", "words"),
    [
        ("bogus", (False, None, None, None), "choose engine or aws"),
        ("", (False, "127.0.0.1:4566", None, None), "is not a URL"),
        ("", (False, None, "eu-west-1", None), "add --aws"),
    ],
)
def test_transport_options_that_cannot_be_meant_are_refused(
    monkeypatch: pytest.MonkeyPatch,
    environment: str,
    arguments: tuple[bool, str | None, str | None, str | None],
    words: str,
) -> None:
    monkeypatch.setenv("ORDERFLOW_TRANSPORT", environment)
    with pytest.raises(typer.BadParameter, match=words):
        transport_choice(*arguments)
