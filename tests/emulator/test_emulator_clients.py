"""Other clients: python-telegram-bot, the control API over HTTP, the out-of-process server."""

from __future__ import annotations

import aiohttp
import telegram

from emulator import Emulator, EmulatorControl, EmulatorProcess


async def test_python_telegram_bot_talks_to_the_emulator(emu: Emulator) -> None:
    user = emu.user(1001, first_name="Alice")
    ptb = telegram.Bot(emu.token, base_url=f"{emu.base_url}/bot")
    async with ptb:
        me = await ptb.get_me()
        assert me.id == 123 and me.is_bot
        sent = await ptb.send_message(user.id, "<b>depuis PTB</b>", parse_mode="HTML")
        assert sent.text == "depuis PTB"
        keyboard = telegram.InlineKeyboardMarkup([[telegram.InlineKeyboardButton("OK", callback_data="ok")]])
        await ptb.send_message(user.id, "clavier", reply_markup=keyboard)
    assert [m.visible_text for m in user.transcript] == ["depuis PTB", "clavier"]
    assert user.transcript[1].callback_data == ["ok"]


async def test_control_api_in_process(emu: Emulator) -> None:
    async with EmulatorControl(emu.base_url) as control:
        await control.health()
        created = await control.create_users(count=3, start_id=5000)
        assert created["created"] == 3
        await control.configure(rate=2, retry_after=4, latency=0.0)
        await control.block([5001])
        await control.send_text(5000, "hello from control")
        assert emu.state.updates[-1]["message"]["text"] == "hello from control"

        async with aiohttp.ClientSession() as http:
            url = f"{emu.base_url}/bot{emu.token}/sendMessage"
            statuses = []
            for chat_id in (5000, 5001, 5002, 5000):
                async with http.post(url, data={"chat_id": str(chat_id), "text": "t"}) as response:
                    statuses.append(response.status)
                    if response.status == 429:
                        assert (await response.json())["parameters"] == {"retry_after": 4}
        assert statuses == [200, 403, 200, 429]

        stats = await control.stats(timestamps=True)
        assert stats["delivered_per_chat"] == {"5000": 1, "5002": 1}
        assert stats["too_many_requests"] == 1 and stats["forbidden"] == 1
        assert len(stats["send_timestamps"]) == 2
        assert [m["text"] for m in await control.messages(chat_id=5000)] == ["t"]
        await control.fail_next(1, status=500)
        await control.reset(limits=True)
        assert (await control.stats())["total_requests"] == 0


async def test_out_of_process_server() -> None:
    async with EmulatorProcess(token="42:XYZ", rate=30, users=2) as process:
        ptb = telegram.Bot("42:XYZ", base_url=f"{process.base_url}/bot")
        async with ptb:
            await ptb.send_message(1_000_000, "hors processus")
        stats = await process.control.stats()
        assert stats["delivered_per_chat"] == {"1000000": 1}
        assert (await process.control.configure())["rate"] == 30
