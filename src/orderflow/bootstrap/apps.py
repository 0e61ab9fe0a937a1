"""Which applications a system runs: orderflow's own (``services.builtin``) and those loaded
beside it — ``--app module:attribute`` (an ``App``, or a function returning one) and every
installed package's ``orderflow.apps`` entry point.

``Apps`` answers what the rest asks of them together: a consumer by name (names are
unique across apps: a name is a queue's), the event contracts of all of them, and which
app owns which consumer.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Final

from orderflow.app import App, AppError, AppNotFound, Consumer, DuplicateConsumer
from orderflow.events.registry import BUILTIN, ContractRegistry
from orderflow.services.builtin import NAME as BUILTIN_NAME
from orderflow.services.builtin import builtin_app

ENTRY_POINTS: Final = "orderflow.apps"
APP_ENVIRONMENT: Final = "ORDERFLOW_APP"
"""Applications to load (``module:attribute``, comma-separated), as ``--app`` does."""


class UnknownConsumer(AppError):
    """No loaded application declares a consumer of that name."""


@dataclass(frozen=True)
class Apps:
    """The applications of a system, orderflow's own first."""

    apps: tuple[App, ...]

    def __post_init__(self) -> None:
        seen: dict[str, str] = {}
        names: set[str] = set()
        for app in self.apps:
            if app.name in names:
                raise DuplicateConsumer(f"Two applications are named {app.name!r}.")
            names.add(app.name)
            for name in app.consumers:
                if name in seen:
                    raise DuplicateConsumer(
                        f"{app.name} and {seen[name]} both declare a consumer {name!r} (a "
                        "consumer's name is its queue's: rename one)."
                    )
                seen[name] = app.name
        self.contracts  # noqa: B018 (two apps claiming one detail-type fail here, at once)

    def __iter__(self) -> Iterator[App]:
        return iter(self.apps)

    @property
    def users(self) -> tuple[App, ...]:
        """The applications besides orderflow's own."""
        return tuple(app for app in self.apps if app.name != BUILTIN_NAME)

    def consumers(self) -> dict[str, Consumer]:
        """Every consumer, by name, in the apps' order."""
        return {name: c for app in self.apps for name, c in app.consumers.items()}

    def consumer(self, name: str) -> Consumer:
        found = self.consumers().get(name)
        if found is None:
            known = ", ".join(self.consumers())
            raise UnknownConsumer(
                f"{name!r} is no consumer here: choose one of {known} (or load the "
                "application that declares it with --app module:app)."
            )
        return found

    def owner(self, consumer: str) -> App:
        """The application that declares ``consumer``."""
        for app in self.apps:
            if consumer in app.consumers:
                return app
        raise UnknownConsumer(f"{consumer!r} is no consumer here.")

    @property
    def contracts(self) -> ContractRegistry:
        """The built-in contracts and every application's own."""
        return BUILTIN.with_contracts(c for app in self.users for c in app.contracts)


def load_app(spec: str) -> App:
    """The application ``module:attribute`` names (an App, or a function returning one)."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise AppNotFound(f"{spec!r}: name an application as module:attribute (shipping:app).")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise AppNotFound(
            f"{spec!r}: cannot import {module_name!r} ({exc}); is its directory on "
            "PYTHONPATH, or its package installed?"
        ) from exc
    found = getattr(module, attribute, None)
    if found is None:
        raise AppNotFound(f"{spec!r}: module {module_name!r} has no attribute {attribute!r}.")
    return _as_app(found, spec)


def _as_app(found: object, where: str) -> App:
    if not isinstance(found, App) and callable(found):
        found = found()
    if not isinstance(found, App):
        raise AppNotFound(f"{where}: {type(found).__name__} is not an orderflow.app.App.")
    return found


def installed_apps() -> list[App]:
    """Every installed package's ``orderflow.apps`` entry point, loaded."""
    loaded = []
    for entry in entry_points(group=ENTRY_POINTS):
        try:
            found = entry.load()
        except Exception as exc:
            raise AppNotFound(f"entry point {entry.name} ({entry.value}): {exc}") from exc
        loaded.append(_as_app(found, f"entry point {entry.name} ({entry.value})"))
    return loaded


def loaded_apps(specs: Sequence[str] = (), *, installed: bool = True) -> Apps:
    """orderflow's own application, each of ``specs`` and (``installed``) every
    installed package's; one app named twice is loaded once."""
    apps: list[App] = [builtin_app()]
    more: Iterable[App] = [*(load_app(spec) for spec in specs)]
    if installed:
        more = [*more, *installed_apps()]
    for app in more:
        if all(app is not other for other in apps):
            apps.append(app)
    return Apps(tuple(apps))


def builtin_apps() -> Apps:
    """orderflow's own application alone."""
    return Apps((builtin_app(),))
