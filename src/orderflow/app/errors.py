"""What an application can declare wrong.

OrderflowError                   (orderflow.errors)
└── AppError                     an application cannot be loaded or run as declared
    ├── ConsumerDeclarationError a consumer's name, pattern, settings or handlers
    ├── DuplicateConsumer        two consumers (of one app, or of two) share a name
    └── AppNotFound              ``--app module:attribute`` or an entry point names nothing
"""

from __future__ import annotations

from orderflow.errors import OrderflowError


class AppError(OrderflowError):
    """An application cannot be loaded or run as declared."""


class ConsumerDeclarationError(AppError):
    """A consumer is declared with a name, pattern, settings or handler that cannot be."""


class DuplicateConsumer(AppError):
    """Two consumers share a name (a name is a queue's and a rule's)."""


class AppNotFound(AppError):
    """``module:attribute`` (or an ``orderflow.apps`` entry point) does not name an App."""
