"""Start `python -m emulator` as a child process (benchmarks keep it off the bot's core)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
from collections.abc import Sequence

import aiohttp

from emulator.control import EmulatorControl


def free_port() -> int:
    """A TCP port free right now on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmulatorProcess:
    """`async with EmulatorProcess(rate=30) as emu:` runs the server; `emu.control` drives it.

    `cpu` pins the child to one core (Linux), so a benchmark's bot and the emulator do not compete.
    """

    def __init__(
        self,
        token: str = "123:ABC",
        *,
        port: int | None = None,
        rate: float | None = None,
        per_chat: float | None = None,
        latency: float = 0.0,
        users: int = 0,
        start_id: int = 1_000_000,
        any_chat: bool = False,
        cpu: int | None = None,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.token = token
        self.port = port or free_port()
        args = ["--port", str(self.port), "--token", token, "--latency", str(latency)]
        args += ["--users", str(users), "--start-id", str(start_id)]
        if rate is not None:
            args += ["--rate", str(rate)]
        if per_chat is not None:
            args += ["--per-chat", str(per_chat)]
        if any_chat:
            args.append("--any-chat")
        self.args = [*args, *extra_args]
        self.cpu = cpu
        self.control = EmulatorControl(self.base_url)
        self._process: asyncio.subprocess.Process | None = None

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT."""
        return f"http://127.0.0.1:{self.port}"

    async def start(self, wait: float = 10.0) -> None:
        """Spawn the server and wait until its control API answers."""
        command = [sys.executable, "-m", "emulator", *self.args]
        self._process = await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.DEVNULL, preexec_fn=self._pin if self.cpu is not None else None
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            try:
                await self.control.health()
                return
            except aiohttp.ClientError:
                if loop.time() > deadline or self._process.returncode is not None:
                    await self.stop()
                    raise RuntimeError(f"emulator did not start: {' '.join(command)}") from None
                await asyncio.sleep(0.05)

    def _pin(self) -> None:
        if self.cpu is not None and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {self.cpu})

    async def stop(self) -> None:
        """Terminate the child and close the control client."""
        await self.control.close()
        if self._process is not None and self._process.returncode is None:
            self._process.terminate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._process.wait(), 5)
            if self._process.returncode is None:
                self._process.kill()
                await self._process.wait()

    async def __aenter__(self) -> EmulatorProcess:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
