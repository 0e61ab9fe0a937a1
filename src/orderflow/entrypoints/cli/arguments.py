"""Parameter values as the AWS CLI reads them: literal text, ``file://path`` or ``fileb://path``."""

from __future__ import annotations

from pathlib import Path

from orderflow.errors import OrderflowError


class ParameterError(OrderflowError):
    """A command-line parameter could not be read (the AWS CLI's "Error parsing parameter")."""


def load_parameter(name: str, value: str) -> str:
    """The text of a parameter: the file's contents for ``file://`` and ``fileb://`` values."""
    for scheme in ("file://", "fileb://"):
        if value.startswith(scheme):
            path = Path(value.removeprefix(scheme)).expanduser()
            try:
                return path.read_text(encoding="utf-8")
            except FileNotFoundError:
                message = f"Error parsing parameter '{name}': Unable to load paramfile {value}"
                raise ParameterError(f"{message}: [Errno 2] No such file or directory") from None
            except (OSError, UnicodeDecodeError) as exc:
                raise ParameterError(
                    f"Error parsing parameter '{name}': Unable to load paramfile {value}: {exc}"
                ) from exc
    return value
