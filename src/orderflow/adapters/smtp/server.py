"""``SmtpServer``: where the notification service sends its emails, and how it logs in.

Written on the command line as ``HOST:PORT`` (a plain connection, as to the embedded
sink) or as a URL whose scheme says how the connection is secured::

    smtp://[USER@]HOST[:PORT]            plain; port 25
    smtp+starttls://[USER@]HOST[:PORT]   upgraded with STARTTLS; port 587
    smtps://[USER@]HOST[:PORT]           TLS from the first byte; port 465

The password never appears in the URL (a command line is visible to every user of the
machine): it comes from the environment variable ``ORDERFLOW_SMTP_PASSWORD``. A user
name asks for a secured connection, or a loopback host, so that the password never
crosses a network in clear; a CA file, for a TLS connection.
"""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass, field, replace
from typing import Final, Literal
from urllib.parse import unquote, urlsplit

from orderflow.errors import OrderflowError

Security = Literal["none", "starttls", "tls"]

PASSWORD_VARIABLE: Final = "ORDERFLOW_SMTP_PASSWORD"
_SCHEMES: Final[dict[str, tuple[Security, int]]] = {
    "smtp": ("none", 25),
    "smtp+starttls": ("starttls", 587),
    "smtps": ("tls", 465),
}
_SCHEME_OF: Final = {security: scheme for scheme, (security, _) in _SCHEMES.items()}


class SmtpServerError(OrderflowError):
    """An SMTP server written in a way we cannot use."""


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: Security = "none"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: str | None = None
    """Certificates to trust instead of the system's (a private relay's own CA)."""

    def __str__(self) -> str:
        user = f"{self.username}@" if self.username else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{_SCHEME_OF[self.security]}://{user}{host}:{self.port}"

    def tls_context(self) -> ssl.SSLContext:
        """Verifies the server's certificate and name, against ``ca_file`` when given."""
        return ssl.create_default_context(cafile=self.ca_file)

    @classmethod
    def parse(
        cls, text: str, *, password: str | None = None, ca_file: str | None = None
    ) -> SmtpServer:
        """``HOST:PORT`` or a URL (see the module's docstring), or a ``SmtpServerError``
        that says what is wrong with it (never quoting a password)."""
        server = _parse_url(text, password) if "://" in text else _parse_host_port(text)
        if ca_file is not None and server.security == "none":
            raise SmtpServerError(
                "A CA file is for a TLS connection: write smtps:// or smtp+starttls://"
            )
        return replace(server, ca_file=ca_file)


def _parse_host_port(text: str) -> SmtpServer:
    if "@" in text or "/" in text:  # a URL without its scheme: it may hold a password
        raise SmtpServerError(
            "HOST:PORT names no user: to log in, write smtps://USER@HOST or "
            f"smtp+starttls://USER@HOST, with the password in {PASSWORD_VARIABLE}"
        )
    host, _, port = text.rpartition(":")
    if not host or not (port.isascii() and port.isdigit()) or not 0 < int(port) < 65536:
        raise SmtpServerError(f"{text!r} is neither HOST:PORT nor an smtp:// URL")
    return SmtpServer(host.strip("[]"), int(port))


def _parse_url(text: str, password: str | None) -> SmtpServer:
    parts = urlsplit(text)
    if parts.password is not None:  # first: no error below may quote it
        raise SmtpServerError(
            f"Put the password in {PASSWORD_VARIABLE}, not in the URL: a command line "
            "is visible to every user of the machine"
        )
    if parts.scheme not in _SCHEMES:
        raise SmtpServerError(
            f"{text!r}: the scheme must be one of {', '.join(s + '://' for s in _SCHEMES)}"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise SmtpServerError(f"{text!r}: an SMTP URL has no path, query or fragment")
    security, default_port = _SCHEMES[parts.scheme]
    try:
        number = default_port if parts.port is None else parts.port
    except ValueError:
        number = 0
    if not 0 < number < 65536:
        raise SmtpServerError(f"{text!r}: the port must be 1-65535")
    if not parts.hostname:
        raise SmtpServerError(f"{text!r} names no host")
    if parts.username is None:
        return SmtpServer(parts.hostname, number, security)
    username = unquote(parts.username)
    if not username:
        raise SmtpServerError(f"{text!r} names an empty user")
    if not password:
        raise SmtpServerError(f"{text!r} names the user {username!r}: set {PASSWORD_VARIABLE}")
    if security == "none" and not _is_loopback(parts.hostname):
        raise SmtpServerError(
            f"{text!r}: a login needs smtps:// or smtp+starttls:// (over smtp:// the "
            "password would cross the network in clear)"
        )
    return SmtpServer(parts.hostname, number, security, username, password)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
