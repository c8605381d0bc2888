"""Real bot processes for the scale tests: webhook workers, schedulers, and a round-robin load balancer."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

import aiohttp
from aiohttp import web

from emulator.process import free_port
from tests.harness import COORDINATOR_ID

ROOT = Path(__file__).resolve().parents[2]
SECRET = "scale-test_secret-42"
WEBHOOK_PATH = "/telegram/webhook"


def bot_env(database_url: str, *, api_url: str, token: str, redis_url: str | None = None,
            redis_prefix: str | None = None, **extra: str) -> dict[str, str]:
    """The environment a bot process reads its settings from (no .env file is involved)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("BOT_", "DATABASE_", "REDIS_"))}
    env.update({
        "BOT_TOKEN": token, "BOT_API_URL": api_url, "DATABASE_URL": database_url,
        "WEBHOOK_SECRET": SECRET, "WEBHOOK_PATH": WEBHOOK_PATH, "COORDINATOR_IDS": str(COORDINATOR_ID),
        "THROTTLE_RATE": "1000", "LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1",
    })
    if redis_url:
        env["REDIS_URL"] = redis_url
        env["REDIS_KEY_PREFIX"] = redis_prefix or "fsm"
    env.update(extra)
    return env


class BotProcess:
    """`python -m bot.cli <args>` as a child process, its output kept for assertions."""

    def __init__(self, args: Sequence[str], env: dict[str, str]) -> None:
        self.args = list(args)
        self.env = env
        self.process: asyncio.subprocess.Process | None = None
        self.output = b""

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", *self.args, cwd=ROOT, env=self.env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)

    async def expect_output(self, text: bytes, timeout: float = 40.0) -> None:  # noqa: ASYNC109 - test helper
        """Read the process's output until a line contains `text` (it is ready, or it said why not)."""
        assert self.process is not None and self.process.stdout is not None
        async with asyncio.timeout(timeout):
            while text not in self.output:
                line = await self.process.stdout.readline()
                if not line:
                    raise AssertionError(f"process ended without {text!r}:\n{self.output.decode(errors='replace')}")
                self.output += line

    async def wait(self, timeout: float = 20.0) -> int:  # noqa: ASYNC109 - a test helper with a deadline
        assert self.process is not None and self.process.stdout is not None
        self.output += await asyncio.wait_for(self.process.stdout.read(), timeout)
        return await self.process.wait()

    async def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is None:
            return
        if self.process.returncode is not None:
            await self.wait(5)  # collect what it printed
            return
        self.process.send_signal(sig)
        try:
            await self.wait(10)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()

    def kill(self) -> None:
        """SIGKILL: no cleanup, no goodbye, as when a machine dies."""
        assert self.process is not None
        self.process.kill()


class Worker(BotProcess):
    """One webhook worker on a port of its own."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        super().__init__(["run", "--webhook", "--host", "127.0.0.1", "--port", str(self.port)], env)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, ready_within: float = 30.0) -> None:
        await super().start()
        deadline = asyncio.get_running_loop().time() + ready_within
        async with aiohttp.ClientSession() as http:
            while True:
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{self.url}/healthz") as response:
                        if response.status == 200:
                            return
                assert self.process is not None
                if self.process.returncode is not None or asyncio.get_running_loop().time() > deadline:
                    await self.stop()
                    raise AssertionError(f"worker did not start:\n{self.output.decode(errors='replace')}")
                await asyncio.sleep(0.1)


class RoundRobin:
    """The load balancer in front of the workers: each pushed update goes to the next worker in turn."""

    def __init__(self, targets: Sequence[str]) -> None:
        self.targets = list(targets)
        self.sent_to: list[str] = []
        self.port = free_port()
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{WEBHOOK_PATH}"

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._http is not None
        target = self.targets[len(self.sent_to) % len(self.targets)]
        self.sent_to.append(target)
        headers = {key: value for key, value in request.headers.items()
                   if key.lower() in ("content-type", "x-telegram-bot-api-secret-token")}
        async with self._http.post(f"{target}{WEBHOOK_PATH}", data=await request.read(), headers=headers) as answer:
            return web.Response(status=answer.status, body=await answer.read())

    async def __aenter__(self) -> RoundRobin:
        self._http = aiohttp.ClientSession()
        app = web.Application()
        app.router.add_post(WEBHOOK_PATH, self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._http is not None:
            await self._http.close()
