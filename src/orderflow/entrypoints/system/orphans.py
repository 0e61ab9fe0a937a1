"""A part of ``orderflow up`` stops when its supervisor is gone.

The supervisor stops its parts with SIGTERM; but a supervisor killed at once (SIGKILL,
the OOM killer) cannot, and its parts would run on, unseen, holding their ports and
their share of the database. So the supervisor names itself to each part
(``SUPERVISOR_VARIABLE``), and a part watches: once its parent is no longer that
process, it sends itself SIGTERM, and stops as it would on the supervisor's: workers
finish their round, the API its requests.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from typing import Final

SUPERVISOR_VARIABLE: Final = "ORDERFLOW_SUPERVISOR_PID"
WATCH_EVERY_S: Final = 0.5

log = logging.getLogger("orderflow.supervision")


def stop_with_supervisor() -> None:
    """When this process was started by a supervisor, stop it (SIGTERM) once that
    supervisor is gone; otherwise nothing."""
    named = os.environ.get(SUPERVISOR_VARIABLE, "")
    if not named.isdigit():
        return
    supervisor = int(named)
    thread = threading.Thread(
        target=_watch, args=(supervisor,), name="orderflow-supervisor-watch", daemon=True
    )
    thread.start()


def _watch(supervisor: int) -> None:
    while os.getppid() == supervisor:
        time.sleep(WATCH_EVERY_S)
    log.warning("the supervisor (pid %d) is gone: stopping", supervisor)
    os.kill(os.getpid(), signal.SIGTERM)
