"""The root of every error orderflow raises on purpose.

    OrderflowError
    └── eventbus.errors.AwsError              errors mirrored from an AWS API (code + message)
        ├── InvalidEventPatternException      a pattern EventBridge would refuse
        └── ValidationException               a request parameter EventBridge would refuse

Each layer hangs its own errors below ``OrderflowError``; callers catch this one
class to handle everything orderflow reports as a user-facing problem.
"""


class OrderflowError(Exception):
    """Something the caller did or asked for cannot be done; the message says what and why."""
