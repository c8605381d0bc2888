"""scripts/image-smoke: build the image, then run its entrypoint in every role against the Bot API emulator.

What passing proves, check by check (each line printed says which):
- the Dockerfile builds from a clean context (.dockerignore) and the runtime lock, with hashes;
- the image runs as the numeric non-root user 10001 and holds neither the emulator nor a test tool;
- its runtime dependencies are all MIT-compatible (`volunteer-bot licences` inside the image);
- `db upgrade` migrates a database; a webhook worker (the image's default command) answers /healthz and
  /readyz, handles a real /start update with the secret token (the emulator receives the bot's reply),
  refuses one without it, and counts both in /metrics;
- the scheduler and the sender serve /healthz and /metrics on METRICS_PORT; the scheduler runs its jobs;
  the sender delivers a queued campaign; the image's own HEALTHCHECK command passes in each role.
What it does not prove: PostgreSQL and Redis inside containers, the load balancer, TLS, or (where no
container registry is reachable, as on the project's machines) the pinned upstream base image: then the
image is built on a stand-in base made from Debian bookworm packages (Python 3.11, like the pinned one).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from emulator.process import EmulatorProcess, free_port  # noqa: E402

IMAGE = os.environ.get("IMAGE", "volunteer-bot:smoke")
STAND_IN = "localhost/volunteer-bot-base:bookworm-python3.11"
SECRET = "image-smoke_secret-1"
USER_ID = 4_100_001
RECIPIENTS = [4_100_010, 4_100_011, 4_100_012]
passed: list[str] = []


def check(ok: bool, what: str, detail: str = "") -> None:
    if not ok:
        print(f"FAIL {what}\n{detail}", flush=True)
        sys.exit(1)
    passed.append(what)
    print(f"PASS {what}", flush=True)


def sh(*args: str, timeout: float = 1800, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env)


class Engine:
    """podman + buildah (chroot isolation, vfs: works where no container can be started), or docker."""

    def __init__(self) -> None:
        self.podman = shutil.which("podman") is not None and shutil.which("buildah") is not None
        if not self.podman and shutil.which("docker") is None:
            sys.exit("image-smoke needs podman and buildah (apt-get install podman buildah) or docker")
        # vfs storage works on any file system, inside a container too (set STORAGE_DRIVER to choose another)
        storage = ["--storage-driver", os.environ.get("STORAGE_DRIVER", "vfs")]
        self.tool = ["podman", *storage] if self.podman else ["docker"]
        self.buildah = ["buildah", *storage]
        self.env = {**os.environ}
        self.name = "podman/buildah (chroot isolation, vfs storage)" if self.podman else "docker"
        self.containers: list[str] = []

    def run(self, *args: str, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
        return sh(*args, timeout=timeout, env=self.env)

    def has_image(self, image: str) -> bool:
        return self.run(*self.tool, "image", "inspect", image).returncode == 0

    def pull(self, image: str) -> bool:
        return self.run(*self.tool, "pull", image, timeout=300).returncode == 0

    def build(self, base: str) -> subprocess.CompletedProcess[str]:
        # docker format: OCI image configs have no HEALTHCHECK
        isolation = ["--isolation", "chroot", "--format", "docker"] if self.podman else []
        # pip in the build trusts what this machine trusts (a TLS-inspecting proxy's CA), as a build secret
        bundle = os.environ.get("PIP_CERT") or "/etc/ssl/certs/ca-certificates.crt"
        secret = ["--secret", f"id=pip-ca,src={bundle}"] if Path(bundle).is_file() else []
        return self.run(*self.tool, "build", *isolation, *secret, "--build-arg", f"BASE={base}", "-t", IMAGE, ".")

    def config(self) -> dict[str, Any]:
        inspected = json.loads(self.run(*self.tool, "image", "inspect", IMAGE).stdout)[0]
        config: dict[str, Any] = dict(inspected.get("Config") or inspected["config"])
        # docker keeps it in Config, podman next to it
        config["Healthcheck"] = (config.get("Healthcheck") or inspected.get("Healthcheck")
                                 or inspected.get("HealthCheck"))
        return config

    def command(self, data: Path, env: dict[str, str], args: list[str]) -> list[str]:
        """A fresh container of the image running `args` as the image's user, on the host network, /data mounted."""
        flags = [part for key, value in env.items() for part in ("-e", f"{key}={value}")]
        if self.podman:
            name = self.run(*self.buildah, "from", "--pull=never", IMAGE).stdout.strip()
            self.containers.append(name)
            return [*self.buildah, "run", "--isolation", "chroot", "--network", "host", "-v", f"{data}:/data", *flags,
                    name, "--", *args]
        return ["docker", "run", "--rm", "--network", "host", "-v", f"{data}:/data", *flags, "--entrypoint",
                args[0], IMAGE, *args[1:]]

    def cleanup(self) -> None:
        for name in self.containers:
            self.run(*self.buildah, "rm", name)


def stand_in_base(engine: Engine) -> str:
    """Debian bookworm with python3 (3.11) and its venv module, from Debian's own packages."""
    if engine.has_image(STAND_IN):
        return STAND_IN
    if shutil.which("mmdebstrap") is None:
        subprocess.run(["apt-get", "install", "-y", "-q", "mmdebstrap"], check=True, capture_output=True)
    with tempfile.TemporaryDirectory() as scratch:
        tar = Path(scratch) / "base.tar"
        subprocess.run(["mmdebstrap", "--variant=minbase", "--include=python3,python3-venv,ca-certificates",
                        "--quiet", "bookworm", str(tar)], check=True)
        engine.run(*engine.tool, "import", str(tar), STAND_IN).check_returncode()
    return STAND_IN


def http(url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_http(url: str, process: subprocess.Popen[str], seconds: float = 60) -> tuple[int, str]:
    deadline = time.monotonic() + seconds
    while True:
        try:
            return http(url)
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                out = process.stdout.read() if process.stdout else ""
                check(False, f"{url} answers", out)
            time.sleep(0.3)


def metric(text: str, name: str, **labels: str) -> float | None:
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    pattern = rf"^{re.escape(name)}{re.escape('{' + wanted + '}') if wanted else ''} (\S+)$"
    found = re.search(pattern, text, re.MULTILINE)
    return float(found.group(1)) if found else None


class Role:
    """A long-running process of the image (the entrypoint with a role's arguments) in its own container."""

    def __init__(self, engine: Engine, data: Path, env: dict[str, str], args: list[str]) -> None:
        self.engine, self.data, self.env = engine, data, env
        self.process = subprocess.Popen(engine.command(data, env, args), env=engine.env, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, start_new_session=True)

    def stop(self) -> str:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            out, _ = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            out, _ = self.process.communicate()
        return out


def start_update(update_id: int) -> bytes:
    return json.dumps({"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "text": "/start",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        "chat": {"id": USER_ID, "type": "private", "first_name": "Smoke"},
        "from": {"id": USER_ID, "is_bot": False, "first_name": "Smoke", "language_code": "fr"}}}).encode()


def hand_over(data: Path) -> None:
    """Files this script wrote in /data belong to the image's user again."""
    for path in [data, *data.iterdir()]:
        os.chown(path, 10001, 10001)


async def enqueue_campaign(database: Path) -> None:
    from bot.db import create_engine, create_sessionmaker
    from services.outbox import Outgoing, Part, create_campaign, enqueue

    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    async with create_sessionmaker(engine).begin() as session:
        campaign, _ = await create_campaign(session, kind="broadcast", title="image smoke", source_key="smoke")
        await enqueue(session, campaign, [Outgoing(chat_id=chat, parts=[Part("Test")]) for chat in RECIPIENTS])
    await engine.dispose()


async def main() -> None:
    engine = Engine()
    print(f"engine: {engine.name}", flush=True)
    base = re.search(r"^ARG BASE=(\S+)$", (ROOT / "Dockerfile").read_text(), re.MULTILINE).group(1)  # type: ignore[union-attr]
    if "--no-build" not in sys.argv:
        if engine.has_image(base) or engine.pull(base):
            print(f"base: {base} (the pinned image)", flush=True)
        else:
            base = stand_in_base(engine)
            print(f"base: no container registry reachable, so {base}, a stand-in built from Debian bookworm "
                  "packages (Python 3.11)", flush=True)
        started = time.monotonic()
        built = engine.build(base)
        check(built.returncode == 0, f"the image builds from the runtime lock ({time.monotonic() - started:.0f} s)",
              built.stdout[-3000:] + built.stderr[-3000:])
    try:
        with tempfile.TemporaryDirectory() as scratch:
            data = Path(scratch)
            hand_over(data)
            await smoke(engine, data)
    finally:
        engine.cleanup()
    print(f"image-smoke: {len(passed)} checks passed", flush=True)


async def smoke(engine: Engine, data: Path) -> None:
    config = engine.config()
    entrypoint, default_cmd = list(config.get("Entrypoint") or []), list(config.get("Cmd") or [])
    test = list((config.get("Healthcheck") or {}).get("Test") or [])
    check(str(config.get("User")) == "10001:10001", f"USER is numeric and not root ({config.get('User')})")
    check(entrypoint == ["volunteer-bot"] and default_cmd == ["run", "--webhook"],
          f"entrypoint {entrypoint}, default command {default_cmd}")
    check(test[:1] == ["CMD"] and "bot.healthcheck" in test, f"one HEALTHCHECK for every role: {test[1:]}")

    def once(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return engine.run(*engine.command(data, env or {}, list(args)), timeout=300)

    who = once("id", "-u")
    check(who.stdout.strip() == "10001", f"processes run as uid {who.stdout.strip()}", who.stderr)
    probe = once("python3", "-c", "import importlib.util as u; print([m for m in ('emulator', 'tests', 'pytest', "
                 "'mypy', 'ruff', 'telegram', 'unidecode', 'setuptools') if u.find_spec(m)])")
    check(probe.stdout.strip() == "[]", f"no emulator, tests, dev tools or build tools in the image "
          f"(found: {probe.stdout.strip()})", probe.stderr)
    licences = once(*entrypoint, "licences")
    check(licences.returncode == 0, "every runtime licence is MIT-compatible: "
          + (licences.stdout.strip().splitlines() or ["?"])[-1], licences.stdout + licences.stderr)
    version = once(*entrypoint, "--version")
    check(version.returncode == 0 and version.stdout.startswith("volunteer-bot "), version.stdout.strip())

    async with EmulatorProcess(token="4242:SMOKE") as emu:
        await emu.control.create_users([{"id": USER_ID, "first_name": "Smoke", "language_code": "fr"}]
                                       + [{"id": chat, "first_name": "Reader"} for chat in RECIPIENTS])
        env = {"BOT_TOKEN": emu.token, "BOT_API_URL": emu.base_url, "DATABASE_URL": "sqlite+aiosqlite:////data/bot.db",
               "WEBHOOK_SECRET": SECRET, "WEBHOOK_HOST": "127.0.0.1", "LOG_FORMAT": "json"}
        migrated = once(*entrypoint, "db", "upgrade", env=env)
        check(migrated.returncode == 0, "`db upgrade` migrates the database", migrated.stdout + migrated.stderr)

        port = free_port()
        worker_env = {**env, "WEBHOOK_PORT": str(port)}
        worker = Role(engine, data, worker_env, [*entrypoint, *default_cmd])
        try:
            url = f"http://127.0.0.1:{port}"
            status, body = wait_http(f"{url}/healthz", worker.process)
            check(status == 200, f"worker (default command) answers /healthz: {body}")
            status, body = http(f"{url}/readyz")
            check(status == 200 and json.loads(body)["ready"], f"worker is ready (database migrated): {body}")
            headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
            status, _ = http(f"{url}/telegram/webhook", start_update(1), headers)
            replies = await emu.control.messages(chat_id=USER_ID)
            check(status == 200 and bool(replies), f"worker handles a /start update: the bot replied "
                  f"({len(replies)} message(s) in the emulator)")
            status, _ = http(f"{url}/telegram/webhook", start_update(2), {"Content-Type": "application/json"})
            check(status == 401, "worker refuses an update without the secret token (401)")
            status, text = http(f"{url}/metrics")
            handled = metric(text, "bot_updates_total", outcome="handled")
            refused = metric(text, "bot_updates_total", outcome="refused")
            timed = metric(text, "bot_update_seconds_count")
            check(handled == 1 and refused == 1 and timed == 1,
                  f"worker /metrics counts them (handled {handled}, refused {refused}, timed {timed})")
            code = engine.run(*engine.command(data, worker_env, test[1:]), timeout=60).returncode
            check(code == 0, "the image's HEALTHCHECK passes for the worker")
        finally:
            worker_log = worker.stop()
        check('"level": "INFO"' in worker_log and "webhook worker" in worker_log,
              "worker logs one JSON object per line", worker_log[-2000:])

        for role in ("scheduler", "sender"):
            if role == "sender":
                await enqueue_campaign(data / "bot.db")
                hand_over(data)
            port = free_port()
            role_env = {**env, "METRICS_PORT": str(port)}
            process = Role(engine, data, role_env, [*entrypoint, role])
            try:
                status, body = wait_http(f"http://127.0.0.1:{port}/healthz", process.process)
                check(status == 200, f"{role} answers /healthz on METRICS_PORT: {body}")
                code = engine.run(*engine.command(data, role_env, test[1:]), timeout=60).returncode
                check(code == 0, f"the image's HEALTHCHECK passes for the {role}")
                deadline = time.monotonic() + 40
                while True:
                    _, text = http(f"http://127.0.0.1:{port}/metrics")
                    if role == "scheduler":
                        figure = metric(text, "bot_scheduler_job_runs_total", job="heatwave.live_views", outcome="ok")
                        done = bool(figure)
                        what = f"scheduler runs its jobs (heatwave.live_views ok: {figure})"
                    else:
                        figure = metric(text, "bot_outbox_depth", status="sent")
                        done = figure == len(RECIPIENTS)
                        what = f"sender delivers a queued campaign (bot_outbox_depth{{status=\"sent\"}} {figure})"
                    if done or time.monotonic() > deadline:
                        break
                    await asyncio.sleep(1)
                check(done, what, text[-2000:])
                check(metric(text, "bot_outbox_oldest_pending_seconds") == 0.0 if role == "sender" else
                      metric(text, "bot_outbox_depth", status="pending") == 0,
                      f"{role} /metrics reports the database gauges")
            finally:
                process.stop()
        delivered = [m for chat in RECIPIENTS for m in await emu.control.messages(chat_id=chat)]
        check(len(delivered) == len(RECIPIENTS), f"the emulator received {len(delivered)} campaign messages")


if __name__ == "__main__":
    asyncio.run(main())
