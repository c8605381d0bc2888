"""The shape every feature has: it declares itself once, in its manifest, and everything is built from that."""

from __future__ import annotations

import ast
import asyncio
import importlib
from pathlib import Path

import typer.main
from aiogram import Router
from aiogram.filters import Command as CommandFilter
from aiogram.filters.callback_data import CallbackData
from alembic.script import ScriptDirectory

from bot.cli import app as cli_app
from bot.db import alembic_config
from bot.feature import resolve
from bot.features import FEATURES
from bot.scheduler import recurring_jobs
from handlers import build_router, feature_routers

ROOT = Path(__file__).resolve().parents[2]
CORE_CLI_GROUPS = {"db", "i18n"}  # the runtime's own: migrations and catalogs
CORE_CLI_COMMANDS = {"run", "scheduler", "demo", "docs", "licences"}


def _all_subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    subclasses: list[type] = cls.__subclasses__()
    for sub in subclasses:
        found |= {sub, *_all_subclasses(sub)}
    return found


def _makes_a_router(value: ast.expr) -> bool:
    """`Router(...)`, or `guard(Router(...), …)`."""
    if not isinstance(value, ast.Call):
        return False
    name = getattr(value.func, "id", None)
    return name == "Router" or (name == "guard" and bool(value.args) and _makes_a_router(value.args[0]))


def _module_routers() -> dict[str, Router]:
    """Every module-level `Router` in handlers/, by "module:name"."""
    routers = {}
    for path in sorted((ROOT / "handlers").rglob("*.py")):
        module_name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.Assign) and _makes_a_router(node.value):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        routers[f"{module_name}:{target.id}"] = getattr(importlib.import_module(module_name), target.id)
    return routers


def test_features_have_one_name_each() -> None:
    names = [feature.name for feature in FEATURES]
    assert len(names) == len(set(names))


def test_every_router_comes_from_a_manifest() -> None:
    declared = {path for feature in FEATURES for path in feature.routers}
    reachable: set[int] = set()
    stack = [resolve(path) for path in declared]
    while stack:
        router = stack.pop()
        reachable.add(id(router))
        stack.extend(router.sub_routers)
    for path, router in _module_routers().items():
        if path == "handlers.fallback:router":
            continue
        assert id(router) in reachable, f"{path} is in no feature's manifest"
    assert feature_routers()[-1] is resolve("handlers.fallback:router")


def test_every_command_is_declared_and_handled() -> None:
    handled = set()
    for router in build_router().chain_tail:
        for handler in router.message.handlers:
            for filter_object in handler.filters or ():
                if isinstance(filter_object.callback, CommandFilter):
                    handled |= {str(command) for command in filter_object.callback.commands}
    declared = {command.name for feature in FEATURES for command in feature.commands}
    assert handled - declared == set(), "commands handled but declared by no manifest"
    assert declared - handled == set(), "commands declared but handled nowhere"


def test_every_job_is_declared_once_and_resolves() -> None:
    jobs = recurring_jobs()
    assert len(jobs) == sum(len(feature.jobs) for feature in FEATURES)
    for job_id, (func, _trigger) in jobs.items():
        feature, _, name = job_id.partition(".")
        assert feature in {f.name for f in FEATURES} and name
        assert asyncio.iscoroutinefunction(resolve(func)), job_id
    modules = {func.partition(":")[0] for func, _trigger in jobs.values()}
    for path in sorted((ROOT / "bot" / "jobs").glob("*.py")):
        if path.stem != "__init__":
            assert f"bot.jobs.{path.stem}" in modules, f"bot/jobs/{path.name} runs no declared job"


def test_every_cli_group_comes_from_a_manifest() -> None:
    command = typer.main.get_command(cli_app)
    names = set(command.commands)  # type: ignore[attr-defined]
    declared = {feature.cli_name or feature.name for feature in FEATURES if feature.cli}
    declared |= {path.rpartition(":")[2] for feature in FEATURES for path in feature.cli_commands}
    assert names - CORE_CLI_GROUPS - CORE_CLI_COMMANDS == declared


def test_every_migration_branch_and_table_module_belongs_to_one_feature() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    labels = {label for revision in script.walk_revisions() for label in (revision.branch_labels or ())}
    owners = [label for feature in FEATURES for label in feature.migrations]
    assert sorted(owners) == sorted(labels)
    modules = [module for feature in FEATURES for module in feature.tables]
    assert len(modules) == len(set(modules))
    declared = {path.stem for path in (ROOT / "models").glob("*.py")} - {"__init__", "base"}
    assert {module.removeprefix("models.") for module in modules} == declared


def test_callback_prefixes_are_unique() -> None:
    build_router()  # imports every handler, so every callback factory is defined
    prefixes: dict[str, str] = {}
    for factory in _all_subclasses(CallbackData):
        if not factory.__module__.startswith(("handlers", "services", "bot")):
            continue
        prefix = factory.__prefix__  # type: ignore[attr-defined]
        assert prefix not in prefixes, f"{factory.__qualname__} and {prefixes[prefix]} share prefix {prefix!r}"
        prefixes[prefix] = factory.__qualname__


def test_the_docs_command_table_is_the_manifests_one() -> None:
    from handlers.commands import markdown_table

    assert (ROOT / "docs" / "commands.md").read_text(encoding="utf-8") == markdown_table(), \
        "run `volunteer-bot docs` after changing a manifest's commands"
