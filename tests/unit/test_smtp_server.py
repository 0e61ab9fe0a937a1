"""How ``--smtp`` is read: HOST:PORT or an smtp URL, and what is refused, with why."""

from __future__ import annotations

import pytest

from orderflow.adapters.smtp.server import SmtpServer, SmtpServerError


def test_host_and_port_is_a_plain_connection() -> None:
    assert SmtpServer.parse("mail.example.com:2525") == SmtpServer("mail.example.com", 2525)
    assert SmtpServer.parse("[::1]:25") == SmtpServer("::1", 25)


@pytest.mark.parametrize(
    ("url", "security", "port"),
    [
        ("smtp://relay.example.com", "none", 25),
        ("smtp+starttls://relay.example.com", "starttls", 587),
        ("smtps://relay.example.com", "tls", 465),
        ("smtps://relay.example.com:2465", "tls", 2465),
    ],
)
def test_the_scheme_says_how_the_connection_is_secured(url: str, security: str, port: int) -> None:
    server = SmtpServer.parse(url)
    assert (server.host, server.port, server.security) == ("relay.example.com", port, security)
    assert server.username is None


def test_a_user_logs_in_with_the_password_from_the_environment() -> None:
    server = SmtpServer.parse("smtp+starttls://apikey@smtp.example.com", password="s3cret")
    assert (server.username, server.password) == ("apikey", "s3cret")
    assert "s3cret" not in repr(server)
    assert "s3cret" not in str(server)
    assert str(server) == "smtp+starttls://apikey@smtp.example.com:587"


def test_a_user_name_may_be_an_address_written_with_percent_encoding() -> None:
    server = SmtpServer.parse("smtps://shop%40example.com@smtp.example.com", password="pw")
    assert server.username == "shop@example.com"


def test_a_password_in_the_url_is_refused_and_the_error_says_where_it_goes() -> None:
    with pytest.raises(SmtpServerError, match="ORDERFLOW_SMTP_PASSWORD"):
        SmtpServer.parse("smtps://user:hunter2@smtp.example.com")


def test_a_user_without_a_password_is_refused() -> None:
    with pytest.raises(SmtpServerError, match="names the user 'user': set ORDERFLOW_SMTP"):
        SmtpServer.parse("smtps://user@smtp.example.com")


def test_a_login_over_a_plain_connection_across_a_network_is_refused() -> None:
    with pytest.raises(SmtpServerError, match="password would cross the network in clear"):
        SmtpServer.parse("smtp://user@smtp.example.com", password="pw")
    local = SmtpServer.parse("smtp://user@127.0.0.1:2525", password="pw")
    assert local.username == "user"
    assert SmtpServer.parse("smtp://user@localhost", password="pw").security == "none"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("mail.example.com", "neither HOST:PORT nor an smtp:// URL"),
        ("mail.example.com:0", "neither HOST:PORT"),
        ("mail.example.com:70000", "neither HOST:PORT"),
        (":25", "neither HOST:PORT"),
        ("http://mail.example.com", "the scheme must be one of smtp://"),
        ("smtp://mail.example.com:99999", "the port must be 1-65535"),
        ("smtp://mail.example.com:port", "the port must be 1-65535"),
        ("smtp://", "names no host"),
        ("smtp://mail.example.com/inbox", "no path, query or fragment"),
        ("smtp://mail.example.com?tls=1", "no path, query or fragment"),
        ("smtp://mail.example.com:0", "the port must be 1-65535"),
        ("smtps://mail.example.com:0", "the port must be 1-65535"),
        ("mail.example.com:²", "neither HOST:PORT"),
        ("smtps://@mail.example.com", "names an empty user"),
    ],
)
def test_what_cannot_be_used_is_refused_with_what_is_wrong(text: str, words: str) -> None:
    with pytest.raises(SmtpServerError, match=words.replace("+", r"\+")):
        SmtpServer.parse(text)


@pytest.mark.parametrize(
    "text",
    [
        "smtp+tls://shop:hunter2@mail.example.com",  # a scheme we don't know
        "shop:hunter2@mail.example.com:587",  # no scheme at all
        "smtps://shop:hunter2@mail.example.com:99999",
    ],
)
def test_no_error_quotes_a_password_written_by_mistake(text: str) -> None:
    with pytest.raises(SmtpServerError) as refused:
        SmtpServer.parse(text)
    assert "hunter2" not in str(refused.value)


def test_a_ca_file_is_for_a_tls_connection() -> None:
    server = SmtpServer.parse("smtps://relay.example.com", ca_file="/etc/ca.pem")
    assert server.ca_file == "/etc/ca.pem"
    for plain in ("relay.example.com:25", "smtp://relay.example.com"):
        with pytest.raises(SmtpServerError, match="A CA file is for a TLS connection"):
            SmtpServer.parse(plain, ca_file="/etc/ca.pem")
