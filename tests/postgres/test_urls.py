"""A PostgreSQL URL is never shown with its password, even one that does not parse, nor in
a driver's message quoting it."""

from __future__ import annotations

import pytest

from orderflow.adapters.postgres.urls import masked, scrubbed


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://user:pw@host/db", "postgresql://user:***@host/db"),
        (
            "postgres://user:p%40ss@host:5433/db?sslmode=require",
            "postgres://user:***@host:5433/db?sslmode=require",
        ),
        ("postgresql://user@host/db", "postgresql://user@host/db"),
        ("postgresql://host:5432/db", "postgresql://host:5432/db"),
        ("postgresql://user:pw@[::1/db", "postgresql://user:***@[::1/db"),
        ("host=h dbname=d password=secret user=u", "host=h dbname=d password=*** user=u"),
        ("host=h password='a b' user=u", "host=h password=*** user=u"),
    ],
)
def test_the_password_is_masked(url: str, shown: str) -> None:
    assert masked(url) == shown


def test_a_message_quoting_the_url_is_scrubbed() -> None:
    url = "postgresql://user:hunter22@[::1/db"
    message = f'missing "]" in URI: "{url}"; and again: hunter22'
    assert scrubbed(message, url) == (
        'missing "]" in URI: "postgresql://user:***@[::1/db"; and again: ***'
    )
