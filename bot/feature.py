"""What a feature declares about itself, once: the app, the CLI, the scheduler, /help and the docs read it.

A manifest names things by import path ("package.module:attribute") so that reading the list of features
costs nothing: the CLI does not import aiogram's handlers, the bot does not import Typer's commands.
"""

from __future__ import annotations

import enum
import importlib
from dataclasses import dataclass
from typing import Any


class Audience(enum.Enum):
    """Who a command or a menu entry is for."""

    EVERYONE = "everyone"
    VOLUNTEERS = "volunteers"  # people who finished signup
    COORDINATORS = "coordinators"


@dataclass(frozen=True)
class Command:
    name: str
    description: str  # French msgid
    audience: Audience = Audience.EVERYONE


@dataclass(frozen=True)
class MenuEntry:
    """A button in the main menu (or, with `coordinator=True`, in the coordinator menu).

    Its handler is `MenuCb.filter(F.item == key)` (or `CoordCb…`). `order` places it among other
    features' entries: the features first, the foundation's own entries (profile, language…) after.
    """

    key: str
    label: str  # French msgid
    audience: Audience = Audience.EVERYONE
    order: int = 50


@dataclass(frozen=True)
class Schedule:
    """When a job runs, as APScheduler trigger arguments (built by the scheduler, not at import)."""

    kind: str  # "interval" or "cron"
    fields: tuple[tuple[str, int | str], ...]


def every(*, seconds: int = 0, minutes: int = 0, hours: int = 0) -> Schedule:
    return Schedule("interval", (("seconds", seconds), ("minutes", minutes), ("hours", hours)))


def daily(*, hour: int, minute: int = 0) -> Schedule:
    """Every day at this Paris time (never 02:00-03:00: the DST change skips or repeats it)."""
    if hour == 2:
        raise ValueError("no daily job between 02:00 and 03:00 Paris time (DST)")
    return Schedule("cron", (("hour", hour), ("minute", minute), ("timezone", "Europe/Paris")))


@dataclass(frozen=True)
class Job:
    """A recurring job; its id is "<feature>.<name>" and its function is referenced by path."""

    name: str
    func: str  # "module:function", so APScheduler's persistent store can find it again
    schedule: Schedule


@dataclass(frozen=True)
class Feature:
    name: str  # one name everywhere: handlers/<name>, services/<name>, catalog, tests/<name>, job ids, CLI
    routers: tuple[str, ...] = ()  # "module:router", in the order they are tried
    menu: tuple[MenuEntry, ...] = ()
    coordinator_menu: tuple[MenuEntry, ...] = ()
    commands: tuple[Command, ...] = ()
    cli: str | None = None  # "module:app", a Typer app mounted as `volunteer-bot <cli_name>`
    cli_name: str | None = None  # defaults to the feature's name
    cli_groups: tuple[tuple[str, str], ...] = ()  # more groups: (name, "module:app"), e.g. ("people", …)
    cli_commands: tuple[str, ...] = ()  # "module:function", top-level commands (`volunteer-bot broadcast`)
    jobs: tuple[Job, ...] = ()
    tables: tuple[str, ...] = ()  # the models modules holding its tables
    migrations: tuple[str, ...] = ()  # its Alembic branch labels
    catalog: str | None = None  # its gettext catalog (defaults to the name)

    def job_id(self, job: Job) -> str:
        return f"{self.name}.{job.name}"


def resolve(path: str) -> Any:
    """Import "package.module:attribute"."""
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)
