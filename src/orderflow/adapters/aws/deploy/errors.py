"""What can go wrong exporting a topology for AWS."""

from __future__ import annotations

from orderflow.errors import OrderflowError


class ExportError(OrderflowError):
    """The topology cannot be deployed on AWS as it stands, or the output cannot be
    written; the message says which resource, or which file, and why."""
