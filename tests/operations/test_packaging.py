"""What the project installs: locked versions, MIT-compatible licences, no test tools or emulator in production."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from typer.testing import CliRunner

from bot.cli import app
from bot.licences import is_mit_compatible, runtime_dependencies

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)(?:\s*;\s*(.+?))?\s*\\?$", re.MULTILINE)


def _pins(lock: str) -> dict[str, list[tuple[str, str | None]]]:
    pins: dict[str, list[tuple[str, str | None]]] = {}
    for name, version, marker in PIN.findall((ROOT / "requirements" / lock).read_text()):
        pins.setdefault(_canonical(name), []).append((version, marker or None))
    return pins


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _project() -> dict[str, list[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {"runtime": project["dependencies"], "dev": project["optional-dependencies"]["dev"]}


def test_the_locks_pin_every_declared_dependency_within_its_range() -> None:
    runtime, dev = _pins("runtime.lock"), _pins("dev.lock")
    for line in _project()["runtime"]:
        requirement = Requirement(line)
        versions = runtime.get(_canonical(requirement.name))
        assert versions, f"{requirement.name} is not in requirements/runtime.lock: run scripts/lock"
        assert all(requirement.specifier.contains(v) for v, _ in versions), (requirement, versions)
    for line in _project()["dev"]:
        requirement = Requirement(line)
        assert _canonical(requirement.name) in dev, f"{requirement.name} is not in requirements/dev.lock"
        assert _canonical(requirement.name) not in runtime, f"{requirement.name} is a test tool in the runtime lock"
    # development and production run the same versions
    assert {name: dev[name] for name in runtime} == runtime
    # every pin carries hashes (pip installs in hash-checking mode)
    for lock in ("runtime.lock", "dev.lock"):
        text = (ROOT / "requirements" / lock).read_text()
        pinned = re.findall(r"^[A-Za-z0-9][^\n]*==[^\n]*\n(?:\s+--hash=sha256:[0-9a-f]{64}[^\n]*\n)?", text, re.M)
        assert pinned and all("--hash=sha256:" in entry for entry in pinned), lock


def test_the_tests_run_on_the_locked_versions() -> None:
    for name, versions in _pins("dev.lock").items():
        wanted = [v for v, marker in versions if marker is None or _marker_holds(marker)]
        if not wanted:
            continue
        assert metadata.version(name) == wanted[0], f"{name}: installed {metadata.version(name)}, locked {wanted}"


def _marker_holds(marker: str) -> bool:
    return Requirement(f"x; {marker}").marker.evaluate()  # type: ignore[union-attr]


def test_every_runtime_licence_is_mit_compatible() -> None:
    dependencies = runtime_dependencies()
    names = {_canonical(dep.name) for dep in dependencies}
    assert {"aiogram", "sqlalchemy", "ortools", "psycopg"} <= names
    assert not names & {"unidecode", "pytest", "mypy", "ruff", "python-telegram-bot"}
    refused = [(dep.name, dep.licence) for dep in dependencies if not dep.compatible]
    assert refused == []
    result = CliRunner().invoke(app, ["licences"])
    assert result.exit_code == 0 and f"{len(dependencies)} runtime dependencies; all MIT-compatible" in result.output


def test_copyleft_that_would_bind_the_bot_is_refused() -> None:
    assert not is_mit_compatible("GPL-2.0-or-later")  # Unidecode's licence
    assert not is_mit_compatible("MIT AND AGPL-3.0-only")
    assert not is_mit_compatible("UNKNOWN")
    assert is_mit_compatible("GPL-2.0-only OR MIT")
    assert is_mit_compatible("LGPL-3.0-only") and is_mit_compatible("(Apache-2.0 AND BSD-2-Clause)")
    # free-text License fields as packages write them (async-timeout, installed before Python 3.11.3)
    assert is_mit_compatible("Apache 2") and is_mit_compatible("3-Clause BSD License")


def test_version_is_the_installed_release() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"volunteer-bot {metadata.version('paris-volunteers-bot')}\n"
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert f"## {metadata.version('paris-volunteers-bot')} " in changelog


def test_the_wheel_ships_the_bot_and_its_data_but_not_the_emulator_or_tests(tmp_path: Path) -> None:
    source = tmp_path / "source"  # a copy: building in the clone would leave build/ and *.egg-info there
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv", ".git", "build", "*.egg-info",
                                                                "__pycache__", ".*_cache", "*.db*"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", "-w", str(tmp_path), str(source)], check=True, cwd=tmp_path)
    [wheel] = tmp_path.glob("paris_volunteers_bot-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/", 1)[0] for name in names if "dist-info" not in name}
    assert tops == {"bot", "handlers", "services", "models", "locales"}
    assert "models/migrations/script.py.mako" in names and "models/migrations/env.py" in names
    assert any(name.endswith("fr/LC_MESSAGES/training.po") for name in names)
    assert any(name.endswith(".csv") for name in names)


def test_or_tools_and_numpy_load_only_when_the_night_is_assigned() -> None:
    """OR-Tools (with numpy and pandas) costs ~200 ms and ~28 MB when imported: every process but the one
    solving a Night of Solidarity assignment goes without it."""
    probe = ("import sys, bot.app, bot.cli, bot.scheduler, bot.webhook, bot.runner, bot.jobs.night, "
             "services.night.assignment; print(sorted(m for m in ('ortools', 'numpy', 'pandas') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    assert loaded.stdout.strip() == "[]"
