"""Where the AWS-compatible endpoint listens unless told: apart from the server, so that
the CLI can name it without importing uvicorn."""

from typing import Final

DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 4010
