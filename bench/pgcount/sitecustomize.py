"""Statement counting for ``bench/postgres.py --count-statements`` (a diagnostic: never
loaded by a timed run).

Python imports ``sitecustomize`` at start-up from the first folder of ``sys.path`` that
has one; the bench puts this folder on the $PYTHONPATH of the system's processes and names
a folder in $ORDERFLOW_BENCH_COUNT_DIR. Then each process wraps psycopg's
``Cursor.execute``, ``Cursor.executemany`` and ``Connection.pipeline`` and writes what it
counted to ``DIR/PID.json`` every ``INTERVAL_S`` (the bench reads the files before and
after its measured window, and subtracts):

- ``statements``: ``execute`` calls; ``in_pipeline``: those made inside a pipeline;
- ``executemany``: calls (their statements are sent in a pipeline of their own);
- ``pipelines``: outermost pipeline blocks (an ``executemany`` outside one opens one);
- ``round_trips``: statements outside a pipeline + outermost pipeline blocks. An
  approximation: a result fetched inside a pipeline forces a sync, not counted here;
- ``by_statement``: ``execute`` calls by the statement's first 70 characters.

Notifications the LISTEN connection receives are not statements and are not counted.
"""

from __future__ import annotations

import os

_FOLDER = os.environ.get("ORDERFLOW_BENCH_COUNT_DIR")

if _FOLDER:
    import atexit
    import contextlib
    import json
    import re
    import sys
    import threading
    import time
    from collections import Counter
    from pathlib import Path

    import psycopg

    INTERVAL_S = 0.25
    _counts: Counter[str] = Counter()
    _by_statement: Counter[str] = Counter()
    _lock = threading.Lock()
    _execute = psycopg.Cursor.execute
    _executemany = psycopg.Cursor.executemany
    _pipeline = psycopg.Connection.pipeline
    _spaces = re.compile(r"\s+")

    def _in_pipeline(connection: psycopg.Connection) -> bool:  # type: ignore[type-arg]
        return bool(connection.pgconn.pipeline_status)

    def execute(self, query, params=None, **options):  # type: ignore[no-untyped-def]
        text = query if isinstance(query, str) else str(query)
        piped = _in_pipeline(self.connection)
        with _lock:
            _counts["statements"] += 1
            _counts["in_pipeline" if piped else "round_trips"] += 1
            _by_statement[_spaces.sub(" ", text.strip())[:70]] += 1
        return _execute(self, query, params, **options)

    def executemany(self, query, params_seq, **options):  # type: ignore[no-untyped-def]
        with _lock:
            _counts["executemany"] += 1
        return _executemany(self, query, params_seq, **options)

    def pipeline(self):  # type: ignore[no-untyped-def]
        if not _in_pipeline(self):
            with _lock:
                _counts["pipelines"] += 1
                _counts["round_trips"] += 1
        return _pipeline(self)

    psycopg.Cursor.execute = execute  # type: ignore[method-assign]
    psycopg.Cursor.executemany = executemany  # type: ignore[method-assign]
    psycopg.Connection.pipeline = pipeline  # type: ignore[method-assign]

    _path = Path(_FOLDER) / f"{os.getpid()}.json"

    def _dump() -> None:
        with _lock:
            report = {
                "argv": sys.argv,
                "counts": dict(_counts),
                "by_statement": dict(_by_statement),
            }
        scratch = _path.with_suffix(".tmp")
        with contextlib.suppress(OSError):
            scratch.write_text(json.dumps(report))
            scratch.replace(_path)

    def _loop() -> None:
        while True:
            _dump()
            time.sleep(INTERVAL_S)

    threading.Thread(target=_loop, name="bench-pgcount", daemon=True).start()
    atexit.register(_dump)
