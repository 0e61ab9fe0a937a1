"""Where the state lives, by URL: ``sqlite:///file.db``, ``memory:``, or a plain path.

``sqlite:`` URLs follow SQLAlchemy's convention: three slashes and a relative path
(``sqlite:///shop.db``), four for an absolute one (``sqlite:////var/lib/shop.db``).
A plain path is a SQLite file, as ``--db`` always took. Other schemes are refused
with the ones that work (PostgreSQL is not a backend yet).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import unquote, urlsplit

from orderflow.errors import OrderflowError

MEMORY: Final = "memory:"
SCHEMES: Final = ("sqlite:///FILE", MEMORY)


class StorageUrlError(OrderflowError):
    """A storage URL that does not name a store orderflow can open."""


@dataclass(frozen=True)
class StorageLocation:
    """A SQLite file (``path``), or memory (``path`` None: one process, gone at exit)."""

    path: Path | None

    @property
    def in_memory(self) -> bool:
        return self.path is None


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
    if scheme.lower() != "sqlite":
        raise StorageUrlError(
            f"{_masked(text)}: orderflow keeps its state in {' or '.join(SCHEMES)} "
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


def _masked(url: str) -> str:
    """``url`` with any password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()
