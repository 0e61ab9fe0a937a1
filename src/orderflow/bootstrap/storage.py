"""Where the state lives, by URL: ``postgresql://USER@HOST:PORT/DB``,
``sqlite:///file.db``, ``memory:``, or a plain path.

``sqlite:`` URLs follow SQLAlchemy's convention: three slashes and a relative path
(``sqlite:///shop.db``), four for an absolute one (``sqlite:////var/lib/shop.db``).
A plain path is a SQLite file, as ``--db`` always took. ``postgresql:`` (or
``postgres:``) URLs are libpq's; a password belongs in $PGPASSWORD or ~/.pgpass, and is
masked wherever a URL is shown. Other schemes are refused with the ones that work.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import unquote, urlsplit

from orderflow.errors import OrderflowError

MEMORY: Final = "memory:"
POSTGRES_SCHEMES: Final = ("postgresql", "postgres")
SCHEMES: Final = ("postgresql://USER@HOST/DB", "sqlite:///FILE", MEMORY)


class StorageUrlError(OrderflowError):
    """A storage URL that does not name a store orderflow can open."""


@dataclass(frozen=True)
class StorageLocation:
    """A SQLite file (``path``), a PostgreSQL database (``postgres_url``), or memory
    (neither: one process, gone at exit)."""

    path: Path | None
    postgres_url: str | None = None

    @property
    def in_memory(self) -> bool:
        return self.path is None and self.postgres_url is None

    @property
    def shown(self) -> str:
        """The location as a user should see it (a password masked)."""
        if self.postgres_url is not None:
            return masked(self.postgres_url)
        return str(self.path) if self.path is not None else MEMORY

    @property
    def argument(self) -> str:
        """The location as ``--db`` takes it (for the processes ``up`` starts)."""
        if self.postgres_url is not None:
            return self.postgres_url
        return str(self.path) if self.path is not None else MEMORY


def parse_storage_url(db: str | Path) -> StorageLocation:
    """The store ``db`` names (``StorageUrlError`` if none)."""
    if isinstance(db, Path):
        return StorageLocation(db)
    text = db.strip()
    if not text:
        raise StorageUrlError("The database is empty: give a file, sqlite:///FILE or memory:.")
    if text == MEMORY:
        return StorageLocation(None)
    scheme, separator, _ = text.partition(":")
    if not separator or "/" in scheme or "\\" in scheme or len(scheme) == 1:  # C:\... too
        return StorageLocation(Path(text))
    if scheme.lower() in POSTGRES_SCHEMES:
        return StorageLocation(None, _postgres_url(text))
    if scheme.lower() != "sqlite":
        raise StorageUrlError(
            f"{masked(text)}: orderflow keeps its state in {', '.join(SCHEMES)} "
            f"(a path is a SQLite file too), not {scheme}:"
        )
    parts = urlsplit(text)
    if parts.netloc or not parts.path.startswith("/") or parts.path == "/":
        raise StorageUrlError(
            f"{text}: a SQLite URL is sqlite:///relative/file.db or sqlite:////absolute/file.db"
        )
    if parts.query or parts.fragment:
        raise StorageUrlError(f"{text}: a SQLite URL takes no ?query or #fragment")
    return StorageLocation(Path(unquote(parts.path[1:])))


def _postgres_url(text: str) -> str:
    """A PostgreSQL URL that names a host and a database (``StorageUrlError`` if not)."""
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise StorageUrlError(f"{masked(text)}: not a PostgreSQL URL ({exc})") from None
    database = unquote(parts.path.lstrip("/"))
    if not parts.hostname or not database or "/" in database:
        raise StorageUrlError(
            f"{masked(text)}: a PostgreSQL URL is postgresql://USER@HOST[:PORT]/DATABASE"
        )
    if port == 0:
        raise StorageUrlError(f"{masked(text)}: port 0 is no port")
    return text


def database_name(url: str) -> str:
    """The database a PostgreSQL URL names."""
    return unquote(urlsplit(url).path.lstrip("/"))


def masked(url: str) -> str:
    """``url`` with any password replaced by ***."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return url.split("@", 1)[-1] if "@" in url else url
    if password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()
