"""A complete .venv starts the bot with the package index unreachable: `scripts/run`'s install step and a plain start.

The network is blocked for pip (no index, no config, no find-links) and for anything honouring proxies
(an unreachable proxy); the bot itself talks only to the Bot API emulator on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

from emulator.process import EmulatorProcess

ROOT = Path(__file__).resolve().parents[2]
STAMP = ROOT / ".venv" / "installed.sha256"
UNREACHABLE = "http://127.0.0.1:9"
OFFLINE = {
    "PIP_NO_INDEX": "1", "PIP_CONFIG_FILE": os.devnull, "PIP_FIND_LINKS": "", "UV_OFFLINE": "1",
    "HTTP_PROXY": UNREACHABLE, "HTTPS_PROXY": UNREACHABLE, "ALL_PROXY": UNREACHABLE,
    "http_proxy": UNREACHABLE, "https_proxy": UNREACHABLE, "all_proxy": UNREACHABLE,
    "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1",
}


async def _start_and_greet(emu: EmulatorProcess, env: dict[str, str], user_id: int) -> str:
    """Run scripts/run until the bot answers /start; returns what the script printed."""
    process = await asyncio.create_subprocess_exec(
        str(ROOT / "scripts" / "run"), cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, start_new_session=True)
    try:
        async with asyncio.timeout(90):
            await emu.control.send_text(user_id, "/start")
            while not await emu.control.messages(chat_id=user_id):
                assert process.returncode is None, (await process.stdout.read()).decode()  # type: ignore[union-attr]
                await asyncio.sleep(0.2)
    finally:
        if process.returncode is None:
            os.killpg(process.pid, signal.SIGINT)
        output, _ = await asyncio.wait_for(process.communicate(), 30)
    return output.decode(errors="replace")


async def test_a_complete_venv_installs_and_starts_without_the_package_index(tmp_path: Path) -> None:
    saved = STAMP.read_bytes()
    base = {key: value for key, value in os.environ.items()
            if not key.startswith(("BOT_", "DATABASE_", "REDIS_", "PIP_", "UV_")) and "proxy" not in key.lower()}
    try:
        async with EmulatorProcess() as emu:
            env = {**base, **OFFLINE, "BOT_TOKEN": emu.token, "BOT_API_URL": emu.base_url,
                   "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", "LOG_LEVEL": "INFO"}
            # the lock changed since the last install (no stamp): the install step runs, offline
            STAMP.unlink()
            first = await _start_and_greet(emu, env, 4242)
            assert "installing the runtime dependencies" in first, first
            assert "requirements/runtime.lock" in STAMP.read_text()
            # nothing changed: the next start installs nothing
            second = await _start_and_greet(emu, env, 4243)
            assert "installing" not in second, second
    finally:
        STAMP.write_bytes(saved)
