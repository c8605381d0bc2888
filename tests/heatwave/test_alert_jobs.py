"""What runs on its own: the live view editing itself, the reminder, the Météo-France poller's proposal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from pydantic import SecretStr
from sqlmodel import select

from bot.jobs.heatwave import VigilanceSettings, poll_vigilance, refresh_live_views, send_reminders
from bot.scheduler import recurring_jobs, set_job_context
from models.heatwave import Alert
from models.outbox import Campaign
from tests.factories import volunteer
from tests.harness import BotHarness

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "vigilance"


@pytest.fixture
async def jobs(harness: BotHarness) -> AsyncIterator[BotHarness]:
    """The harness with the scheduler's job context set, so that a test can run a job on demand."""
    set_job_context(harness.app)
    try:
        yield harness
    finally:
        set_job_context(None)


async def _volunteers(harness: BotHarness) -> None:
    harness.user(401, "Camille", "fr")
    harness.user(402, "Sam", "en")
    async with harness.session() as session:
        await volunteer(session, 401, locale="fr", arrondissement=3)
        await volunteer(session, 402, locale="en", arrondissement=4)
        await session.commit()


async def _launch_all_paris(harness: BotHarness, language: str = "fr") -> None:
    coord = harness.coordinator(language)
    await coord.send("/alert")
    await coord.tap("➕ Nouvelle alerte" if language == "fr" else "➕ New alert", message=await coord.expect_message())
    await coord.expect_message()
    await coord.tap("🟡 jaune" if language == "fr" else "🟡 yellow")
    await coord.expect_message()
    await coord.tap("🗼 Tout Paris" if language == "fr" else "🗼 All Paris")
    await coord.expect_message()
    await coord.tap("Continuer »" if language == "fr" else "Continue »")
    await coord.expect_message()
    await coord.tap("Pas de note »" if language == "fr" else "No note »")
    confirm = await coord.expect_message()
    await coord.tap(confirm.button_labels[0], message=confirm)
    await coord.expect_message()


def test_jobs_are_registered() -> None:
    assert {func for func, _trigger in recurring_jobs().values()} >= {
        "bot.jobs.heatwave:refresh_live_views", "bot.jobs.heatwave:send_reminders", "bot.jobs.heatwave:poll_vigilance"}


async def test_live_view_edits_itself_when_answers_arrive(jobs: BotHarness) -> None:
    await _volunteers(jobs)
    await _launch_all_paris(jobs, "en")
    coord = jobs.coordinator("en")
    live = await coord.expect_message()
    assert "Answers: 0" in live.visible_text and "tout Paris" not in live.visible_text
    await jobs.drain_outbox()
    camille = jobs.user(401, "Camille", "fr")
    await camille.tap("🙋 Je peux aider", message=await camille.expect_message())
    await camille.expect_callback_answer()
    await jobs.emu.wait_idle()

    assert await refresh_live_views() == 1
    view = await coord.expect_edit()
    assert view.message_id == live.message_id and "Answers: 1; 🙋 can help: 1" in view.visible_text
    assert "Sent: 2 of 2" in view.visible_text
    assert await refresh_live_views() == 0  # nothing changed: no edit, no "message is not modified"


async def test_reminder_goes_once_to_those_who_did_not_answer(jobs: BotHarness) -> None:
    await _volunteers(jobs)
    await _launch_all_paris(jobs)
    coord = jobs.coordinator("fr")
    live = await coord.expect_message()
    await jobs.drain_outbox()
    camille, sam = jobs.user(401, "Camille", "fr"), jobs.user(402, "Sam", "en")
    await sam.expect_message()
    await camille.tap("✅ J'ai vérifié mes voisins", message=await camille.expect_message())
    await camille.expect_callback_answer()
    await camille.tap("2", message=await camille.expect_message())  # how many? a number only
    assert "2 personnes" in ((await camille.expect_callback_answer()).text or "")  # issue 15: pluralised

    await coord.tap("⏰ Relancer les sans-réponse", message=live)
    when = await coord.expect_message()
    coord.skip_seen()
    await coord.tap("Maintenant", message=when)
    assert "Rappel prévu" in ((await coord.expect_callback_answer()).text or "")
    await coord.tap("⏰ Relancer les sans-réponse", message=live)  # issue 15: refused at once, before any choice
    assert "un seul rappel" in ((await coord.expect_callback_answer()).text or "")  # once only
    await coord.expect_no_message()
    await coord.tap("🔄 Actualiser", message=live)  # and the live view no longer offers it
    await coord.expect_callback_answer()
    assert "⏰ Relancer les sans-réponse" not in (await coord.expect_edit()).button_labels

    assert len(await send_reminders()) == 1
    assert await send_reminders() == {}
    await jobs.drain_outbox()
    reminder = await sam.expect_message()
    assert "Reminder" in reminder.visible_text and reminder.button_labels[0] == "🙋 I can help"
    await camille.expect_no_message()


async def test_level_change_reaches_every_recipient(jobs: BotHarness) -> None:
    await _volunteers(jobs)
    await _launch_all_paris(jobs)
    coord = jobs.coordinator("fr")
    live = await coord.expect_message()
    await jobs.drain_outbox()
    await coord.tap("↕️ Changer le niveau", message=live)
    levels = await coord.expect_message()
    assert levels.button_labels == ["🟠 orange", "🔴 rouge"]
    await coord.tap("🔴 rouge", message=levels)
    assert "2 volontaires prévenus" in (await coord.expect_message()).text
    await jobs.drain_outbox()
    camille, sam = jobs.user(401, "Camille", "fr"), jobs.user(402, "Sam", "en")
    await camille.expect_message()
    await sam.expect_message()
    assert "passe au 🔴 rouge" in (await camille.expect_message()).visible_text
    assert "goes up to 🔴 red" in (await sam.expect_message()).visible_text


@pytest.fixture
async def meteo_server() -> AsyncIterator[dict[str, object]]:
    """A local stand-in for Météo-France's endpoint, serving the saved responses."""
    state: dict[str, object] = {"body": (FIXTURES / "encours.json").read_text(), "keys": []}

    async def encours(request: web.Request) -> web.Response:
        state["keys"].append(request.headers.get("apikey"))  # type: ignore[attr-defined]
        return web.Response(text=str(state["body"]), content_type="application/json")

    app = web.Application()
    app.router.add_get("/cartevigilance/encours", encours)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    state["url"] = f"http://127.0.0.1:{port}/cartevigilance/encours"
    try:
        yield state
    finally:
        await runner.cleanup()


async def test_poller_proposes_and_one_tap_launches(jobs: BotHarness, meteo_server: dict[str, object]) -> None:
    await _volunteers(jobs)
    coord = jobs.coordinator("fr")
    await coord.send("/menu")  # the coordinator has talked to the bot: they can be told
    await coord.expect_message()
    settings = VigilanceSettings(_env_file=None, enabled=True, url=str(meteo_server["url"]),
                                 api_key=SecretStr("secret-key"))
    assert await poll_vigilance(VigilanceSettings(_env_file=None, url=str(meteo_server["url"]))) == 0  # off
    assert meteo_server["keys"] == []

    assert await poll_vigilance(settings) == 2  # orange today: an alert; red tomorrow: "get ready" (issue 15)
    assert meteo_server["keys"] == ["secret-key"]
    assert await poll_vigilance(settings) == 0  # already proposed today at this level
    await jobs.drain_outbox()
    proposal = await coord.expect_message()
    assert "Paris en vigilance canicule 🟠 orange" in proposal.visible_text
    ready = await coord.expect_message()
    assert "demain" in ready.visible_text and "3975" in ready.visible_text
    assert ready.button_labels == ["📣 Envoyer « Préparez-vous »"]
    async with jobs.session() as session:
        assert (await session.execute(select(Alert))).first() is None  # nothing without a coordinator
    await coord.tap("✅ Lancer l'alerte (🟠 orange, tout Paris)", message=proposal)
    assert "2 volontaires vont la recevoir" in (await coord.expect_message()).text
    await jobs.drain_outbox()
    assert "vigilance 🟠 orange" in (await jobs.user(401).expect_message()).visible_text
    coord.skip_seen()
    await coord.tap("✅ Lancer l'alerte (🟠 orange, tout Paris)", message=proposal)  # a second tap
    assert "déjà ouverte" in ((await coord.expect_callback_answer()).text or "")
    async with jobs.session() as session:
        assert len((await session.execute(select(Alert))).scalars().all()) == 1


async def test_poller_ignores_a_malformed_response(jobs: BotHarness, meteo_server: dict[str, object]) -> None:
    meteo_server["body"] = (FIXTURES / "malformed.json").read_text()
    settings = VigilanceSettings(_env_file=None, enabled=True, url=str(meteo_server["url"]))
    assert await poll_vigilance(settings) == 0
    meteo_server["body"] = "<html>maintenance</html>"
    assert await poll_vigilance(settings) == 0
    async with jobs.session() as session:
        assert (await session.execute(select(Campaign))).first() is None


async def test_a_volunteer_who_joins_later_gets_the_alert_only_when_extended(jobs: BotHarness) -> None:
    await _volunteers(jobs)
    await _launch_all_paris(jobs)
    coord = jobs.coordinator("fr")
    live = await coord.expect_message()
    await jobs.drain_outbox()
    newcomer = jobs.user(403, "Zoé", "en")
    async with jobs.session() as session:
        await volunteer(session, 403, locale="en", arrondissement=18)
        await session.commit()
    await jobs.drain_outbox()
    await newcomer.expect_no_message()  # joined after the launch: not a recipient

    coord.skip_seen()
    await coord.tap("➕ Étendre aux nouveaux inscrits", message=live)
    question = await coord.expect_message()  # a mass send: the count, then a confirmation
    assert "à 1 volontaire inscrit depuis son lancement" in question.text
    coord.skip_seen()
    await coord.tap("✅ Envoyer à 1", message=question)
    assert "1 nouveau volontaire" in ((await coord.expect_callback_answer()).text or "")
    await jobs.drain_outbox()
    alert = await newcomer.expect_message()
    assert "Heat-wave alert" in alert.visible_text
    await newcomer.tap("🙋 I can help", message=alert)
    assert "Thank you, noted" in ((await newcomer.expect_callback_answer()).text or "")
    await coord.tap("➕ Étendre aux nouveaux inscrits", message=live)
    assert "0 nouveau volontaire" in ((await coord.expect_callback_answer()).text or "")
