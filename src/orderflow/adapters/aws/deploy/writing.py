"""Writing an export: files are replaced whole, and a file that cannot be written is an
``ExportError`` naming it (the directory is not a directory, or not writable)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from orderflow.adapters.aws.deploy.errors import ExportError


def write_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (its directory made if missing)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ExportError(f"{path}: cannot be written: {exc.strerror or exc}") from exc


def write_tree(root: Path, files: Mapping[str, str]) -> list[Path]:
    """Write each of ``files`` (relative path → text) under ``root``; the paths written."""
    if root.exists() and not root.is_dir():
        raise ExportError(f"{root}: is not a directory")
    written = []
    for relative, text in sorted(files.items()):
        path = root / relative
        write_file(path, text)
        written.append(path)
    return written
