"""Build hook: compile the pattern engine's hot modules to C with mypyc.

Matching an event against thousands of rules is the engine's hot path; compiled,
it runs about twice as fast (docs/decisions/0002-compile-the-matcher-with-mypyc.md,
figures in docs/benchmarks.md). PutEvents' fan-out (bus/routing.py) and id generation
(ids.py) are compiled too: about 3 us less CPU per event published. The modules stay
plain, strictly typed Python: set ORDERFLOW_PURE_PYTHON=1 to install them uncompiled.
"""

import os

from mypyc.build import mypycify
from setuptools import setup

COMPILED_MODULES = [
    "src/orderflow/eventbus/patterns/field_index.py",
    "src/orderflow/eventbus/patterns/flatten.py",
    "src/orderflow/eventbus/patterns/intervals.py",
    "src/orderflow/eventbus/patterns/matchers.py",
    "src/orderflow/eventbus/patterns/trie.py",
    "src/orderflow/eventbus/patterns/walk.py",
    "src/orderflow/eventbus/patterns/wildcard.py",
    "src/orderflow/eventbus/bus/routing.py",
    "src/orderflow/eventbus/ids.py",
]


def extension_modules() -> list:  # type: ignore[type-arg]
    if os.environ.get("ORDERFLOW_PURE_PYTHON") == "1":
        return []
    return mypycify(COMPILED_MODULES, opt_level="3")


setup(ext_modules=extension_modules())
