"""Newsletter stories through the real bot, the outbox sender and the Bot API emulator, in French and English."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import col, select

from bot.jobs.newsletter import send_due_issues
from bot.scheduler import set_job_context
from emulator.client import TestUser
from emulator.state import RecordedMessage
from models.base import utcnow
from models.newsletter import NewsletterIssue, NewsletterSubscription
from models.outbox import DeliveryStatus, OutboxMessage
from services import newsletter
from tests import factories
from tests.harness import BotHarness

FRENCH = ("# Le froid arrive\n\nBonjour **à toutes et à tous** ! Ce mois-ci :\n\n- *isoler* les fenêtres\n"
          "- lire [le guide](https://www.paris.fr/climat)\n")
ENGLISH = ("# Winter is coming\n\nHello **everyone**! This month:\n\n- *insulate* windows\n"
           "- read [the guide](https://www.paris.fr/climat)\n")
DESK = {
    "fr": {"locale": "fr", "desk": "📰 Lettre du Climat", "new": "➕ Préparer une lettre", "text_fr": "✍️ Texte 🇫🇷",
           "text_en": "✍️ Texte 🇬🇧", "saved": "enregistré", "preview_fr": "👁 Aperçu 🇫🇷", "schedule": "📅 Programmer",
           "scheduled": "partira le", "test_en": "🧪 Test 🇬🇧", "test_sent": "Test envoyé"},
    "en": {"locale": "en", "desk": "📰 Climate Newsletter", "new": "➕ Prepare a newsletter", "text_fr": "✍️ Text 🇫🇷",
           "text_en": "✍️ Text 🇬🇧", "saved": "saved", "preview_fr": "👁 Preview 🇫🇷", "schedule": "📅 Schedule",
           "scheduled": "will go out on", "test_en": "🧪 Test 🇬🇧", "test_sent": "Test sent"},
}


def _next_month() -> str:
    return newsletter.upcoming_months(utcnow())[1]


async def _open_desk(coordinator: TestUser, words: dict[str, str]) -> None:
    await coordinator.send("/coord")
    await coordinator.expect_message()
    await coordinator.tap(words["desk"])
    await coordinator.expect_callback_answer()
    await coordinator.expect_message()


async def _write_issue(coordinator: TestUser, month: str, words: dict[str, str]) -> RecordedMessage:
    """The coordinator opens the issue of `month`, types the French text and uploads the English file."""
    await _open_desk(coordinator, words)
    await coordinator.tap(words["new"])
    await coordinator.expect_callback_answer()
    await coordinator.expect_message()
    await coordinator.tap(newsletter.month_label(month, words["locale"]))
    await coordinator.expect_callback_answer()
    panel = await coordinator.expect_message()
    assert words["text_fr"] in panel.button_labels
    await coordinator.tap(words["text_fr"])
    await coordinator.expect_callback_answer()
    assert "Markdown" in (await coordinator.expect_message()).text
    await coordinator.send(FRENCH)
    assert words["saved"] in (await coordinator.expect_message()).text
    await coordinator.expect_message()  # the issue panel again
    await coordinator.tap(words["text_en"])
    await coordinator.expect_callback_answer()
    await coordinator.expect_message()
    await coordinator.send_document("winter.md", ENGLISH.encode())
    assert words["saved"] in (await coordinator.expect_message()).text
    return await coordinator.expect_message()


async def _subscribe(reader: TestUser, button: str) -> None:
    await reader.send("/newsletter")
    await reader.expect_message()
    await reader.tap(button)
    await reader.expect_callback_answer()
    await reader.expect_message()


@pytest.mark.parametrize("desk_language", ["fr", "en"])
async def test_subscribe_receive_in_my_language_and_unsubscribe(harness: BotHarness, desk_language: str) -> None:
    words = DESK[desk_language]
    month = _next_month()
    camille, sam = harness.user(601, "Camille", "fr"), harness.user(602, "Sam", "en")
    await _subscribe(camille, "🇫🇷 Français")
    await sam.send("/newsletter")
    panel = await sam.expect_message()
    assert "You are not subscribed" in panel.text
    await sam.tap("🇬🇧 English")
    await sam.expect_callback_answer()
    assert "you will receive the Climate Newsletter in English" in (await sam.expect_message()).text

    coordinator = harness.coordinator(desk_language)
    panel = await _write_issue(coordinator, month, words)
    await coordinator.tap(words["preview_fr"])
    await coordinator.expect_callback_answer()
    preview = await coordinator.expect_message()
    assert "Le froid arrive" in preview.visible_text and not preview.buttons
    assert {entity["type"] for entity in preview.entities} >= {"bold", "italic", "text_link"}
    await coordinator.tap(words["test_en"])  # a test to themselves, through the outbox like the readers'
    assert words["test_sent"] in ((await coordinator.expect_callback_answer()).text or "")
    test = await coordinator.expect_message()
    assert "Winter is coming" in test.visible_text and test.button_labels == ["Unsubscribe"]
    await harness.drain_outbox()
    await coordinator.tap(words["schedule"], message=panel)
    await coordinator.expect_callback_answer()
    when = await coordinator.expect_message()
    await coordinator.tap(when.button_labels[0])  # the proposed date: first Tuesday, 10:00
    assert words["scheduled"] in (await coordinator.expect_message()).text

    async with harness.session() as session:
        issue = await newsletter.require_issue(session, month)
    assert issue.send_at == newsletter.default_send_at(month, utcnow())
    assert issue.send_at is not None and issue.body_en.startswith("Hello")
    set_job_context(harness.app)
    try:
        assert await send_due_issues(now=issue.send_at - timedelta(seconds=1)) == []
        await camille.expect_no_message()
        assert await send_due_issues(now=issue.send_at) == [month]
    finally:
        set_job_context(None)
    french = await camille.expect_message()
    english = await sam.expect_message()
    await harness.drain_outbox()
    assert "Lettre du Climat" in french.visible_text and "Le froid arrive" in french.visible_text
    assert french.button_labels == ["Se désabonner"]
    assert "Climate Newsletter" in english.visible_text and "Winter is coming" in english.visible_text
    assert "• insulate windows" in english.visible_text and english.button_labels == ["Unsubscribe"]

    await sam.tap("Unsubscribe")  # one tap, from the issue itself
    await sam.expect_callback_answer()
    assert "You are unsubscribed" in (await sam.expect_message()).text
    await sam.tap("Unsubscribe", message=english)  # again: nothing to undo, and said so
    await sam.expect_callback_answer()
    assert "You are not subscribed" in (await sam.expect_message()).text
    async with harness.session() as session:
        rows = (await session.execute(select(NewsletterSubscription).order_by(
            col(NewsletterSubscription.id)))).scalars().all()
    assert [(row.locale, row.active) for row in rows] == [("fr", True), ("en", False)]

    await sam.send("/newsletter")  # the latest and past issues stay readable
    await sam.expect_message()
    await sam.tap("🗂 Past issues")
    await sam.expect_callback_answer()
    archive = await sam.expect_message()
    await sam.tap(archive.button_labels[0])
    await sam.expect_callback_answer()
    assert "Winter is coming" in (await sam.expect_message()).visible_text


async def test_a_long_issue_is_split_and_every_part_is_accepted(harness: BotHarness) -> None:
    month = _next_month()
    readers = [harness.user(611, "Léa", "fr"), harness.user(612, "Kim", "en")]
    await _subscribe(readers[0], "🇫🇷 Français")
    await _subscribe(readers[1], "🇬🇧 English")
    paragraph = ("La **Ville** agit : *chaque geste compte*, voir [le plan](https://www.paris.fr/climat) "
                 "& les actions de quartier. ") * 6
    body = "\n\n".join(f"## Partie {n}\n\n{paragraph}\n\n- point **{n}**\n- point *{n}*" for n in range(12))
    async with harness.session() as session, session.begin():
        text = newsletter.parse_document(f"# Grand dossier\n\n{body}")
        await newsletter.save_text(session, month, "fr", text, now=utcnow())
        await newsletter.set_fallback(session, month, True)  # no English version: English readers get French
        expected = newsletter.render((await newsletter.require_issue(session, month)), "fr")
    assert len(expected) >= 2

    coordinator = harness.coordinator("fr")
    await _open_desk(coordinator, DESK["fr"])
    await coordinator.tap(newsletter.month_label(month, "fr"))
    await coordinator.expect_callback_answer()
    await coordinator.expect_message()
    await coordinator.tap("🚀 Envoyer maintenant")
    await coordinator.expect_callback_answer()
    assert "2 lecteurs" in (await coordinator.expect_message()).text
    await coordinator.tap("🚀 Oui, envoyer")
    await coordinator.expect_callback_answer()
    assert "2 lecteurs dans la file" in (await coordinator.expect_message()).text
    received = {reader.id: await reader.expect_messages(len(expected), timeout=15) for reader in readers}
    await harness.drain_outbox(timeout=15)
    for reader_id, messages in received.items():
        assert all(0 < len(message.visible_text or "") <= 4096 for message in messages)
        assert all(message.entities for message in messages)  # formatting survived every cut
        assert [bool(message.buttons) for message in messages] == [False] * (len(expected) - 1) + [True]
        whole = "".join(message.visible_text or "" for message in messages)
        assert whole.count("Partie") == 12 and whole.count("chaque geste compte") == 72
        assert ("Unsubscribe" if reader_id == 612 else "Se désabonner") in messages[-1].button_labels
    assert "Climate Newsletter" in received[612][0].visible_text  # framed in English, text in French
    async with harness.session() as session:
        statuses = (await session.execute(select(OutboxMessage.status))).scalars().all()
    assert statuses == [DeliveryStatus.SENT, DeliveryStatus.SENT]
    live = await coordinator.expect_message()  # the live progress message, edited as the sender goes
    report = await coordinator.expect_message(timeout=5)  # then the final report, without tapping anything
    assert "Rapport" in report.text and "Reçu : 2" in report.visible_text
    assert "2 / 2" in live.visible_text and "Terminée" in live.visible_text and not live.buttons
    await coordinator.tap("📊 Progression")
    await coordinator.expect_callback_answer()
    assert "2 envoyées sur 2" in (await coordinator.expect_message()).text


async def test_restart_and_double_trigger_send_once(harness: BotHarness) -> None:
    month = _next_month()
    people = [(621, "fr"), (622, "en"), (623, "fr")]
    readers = {telegram_id: harness.user(telegram_id, "R", locale) for telegram_id, locale in people}
    async with harness.session() as session, session.begin():
        for telegram_id, locale in people:
            await newsletter.subscribe(session, await factories.volunteer(session, telegram_id, locale=locale), locale)
        await newsletter.save_text(session, month, "fr", newsletter.parse_document(FRENCH), now=utcnow())
        await newsletter.save_text(session, month, "en", newsletter.parse_document(ENGLISH), now=utcnow())
        send_at = newsletter.default_send_at(month, utcnow())
        assert send_at is not None
        await newsletter.schedule(session, month, send_at, now=utcnow())

    await harness.restart()  # a deploy between scheduling and sending: the schedule is in the database

    set_job_context(harness.app)
    try:
        # the tick and a caught-up run fire together, then once more: one copy each
        results = await asyncio.gather(send_due_issues(now=send_at), send_due_issues(now=send_at + timedelta(
            seconds=30)))
        assert sorted(results) == [[], [month]]
        await harness.drain_outbox()
        assert await send_due_issues(now=send_at + timedelta(minutes=1)) == []
    finally:
        set_job_context(None)
    await harness.drain_outbox()
    for telegram_id, locale in people:
        reader = readers[telegram_id]
        message = await reader.expect_message()
        assert ("Le froid arrive" if locale == "fr" else "Winter is coming") in message.visible_text
        await reader.expect_no_message()
    assert all(harness.emu.stats.delivered_per_chat[telegram_id] == 1 for telegram_id, _ in people)


async def test_blocked_readers_and_readers_who_left(harness: BotHarness) -> None:
    month = _next_month()
    async with harness.session() as session, session.begin():
        for telegram_id in (631, 632, 633):
            await newsletter.subscribe(session, await factories.volunteer(session, telegram_id), "fr")
        await newsletter.save_text(session, month, "fr", newsletter.parse_document(FRENCH), now=utcnow())
        await newsletter.set_fallback(session, month, True)
    noticed, silent, fine = harness.user(631, "A", "fr"), harness.user(632, "B", "fr"), harness.user(633, "C", "fr")
    await noticed.block()  # Telegram tells the bot (my_chat_member): left out of the sending
    harness.emu.block(632, notify=False)  # blocked without notice: the send gets 403, never retried
    await harness.emu.wait_idle()
    async with harness.session() as session, session.begin():
        _campaign, enqueued = await newsletter.send_now(session, month, now=utcnow())
    assert enqueued == 2
    await fine.expect_message()
    await harness.drain_outbox()
    async with harness.session() as session:
        rows = {row.chat_id: row.status for row in (await session.execute(select(OutboxMessage))).scalars()}
    assert rows == {632: DeliveryStatus.UNREACHABLE, 633: DeliveryStatus.SENT}
    assert not noticed.transcript and not silent.transcript


async def test_coordinator_bad_inputs_change_nothing(harness: BotHarness) -> None:
    month = _next_month()
    coordinator = harness.coordinator("fr")
    await _open_desk(coordinator, DESK["fr"])
    await coordinator.tap("➕ Préparer une lettre")
    await coordinator.expect_callback_answer()
    await coordinator.expect_message()
    await coordinator.send("2020-01")
    assert "est passé" in (await coordinator.expect_message()).text
    await coordinator.send("décembre")
    assert "AAAA-MM" in (await coordinator.expect_message()).text
    await coordinator.send(month)  # typed rather than tapped
    await coordinator.expect_message()
    await coordinator.tap("✍️ Texte 🇫🇷")
    await coordinator.expect_callback_answer()
    await coordinator.expect_message()
    await coordinator.send("# Seulement un titre")
    assert "corps de la lettre est vide" in (await coordinator.expect_message()).text
    await coordinator.send_document("lettre.pdf", b"%PDF-1.4 binary")
    assert "Markdown" in (await coordinator.expect_message()).text
    await coordinator.send_document("lettre.md", b"\xff\xfe\x00binary\x00")
    assert "UTF-8" in (await coordinator.expect_message()).text
    await coordinator.send_sticker()
    assert "Envoyez le texte" in (await coordinator.expect_message()).text
    await coordinator.send(FRENCH)
    await coordinator.expect_message()
    panel = await coordinator.expect_message()
    await coordinator.tap("📅 Programmer", message=panel)  # English missing, no fallback chosen
    assert "Il manque la version EN" in ((await coordinator.expect_callback_answer()).text or "")
    await coordinator.tap("↔️ Langue manquante : envoyer l'autre", message=panel)
    await coordinator.expect_callback_answer()
    edited = await coordinator.expect_edit()
    assert "les lecteurs reçoivent l'autre langue" in edited.visible_text
    await coordinator.tap("📅 Programmer", message=edited)  # nobody subscribed yet
    assert "Personne n'est abonné" in ((await coordinator.expect_callback_answer()).text or "")
    await coordinator.tap("🚀 Envoyer maintenant", message=edited)
    assert "Personne n'est abonné" in ((await coordinator.expect_callback_answer()).text or "")
    await coordinator.tap_data(f"nw:when:{month}:notadate")
    assert "plus valable" in ((await coordinator.expect_callback_answer()).text or "")

    await factories_subscriber(harness, 641)
    await coordinator.tap("📅 Programmer", message=edited)
    await coordinator.expect_callback_answer()
    await coordinator.expect_message()
    await coordinator.send("28/03/2027 02:30")  # the clocks skip 02:00-03:00 that night
    assert "changement d'heure" in (await coordinator.expect_message()).text
    await coordinator.send("2020-01-07 10:00")
    assert "passée" in (await coordinator.expect_message()).text
    async with harness.session() as session:
        issue = await newsletter.require_issue(session, month)
        assert (issue.send_at, issue.sent_at, issue.title_fr) == (None, None, "Le froid arrive")
        assert (await session.execute(select(OutboxMessage))).first() is None


async def factories_subscriber(harness: BotHarness, telegram_id: int) -> None:
    async with harness.session() as session, session.begin():
        await newsletter.subscribe(session, await factories.volunteer(session, telegram_id), "fr")


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_non_coordinators_and_forged_buttons(harness: BotHarness, language: str) -> None:
    month = _next_month()
    async with harness.session() as session, session.begin():
        await newsletter.save_text(session, month, "fr", newsletter.parse_document(FRENCH), now=utcnow())
    eve = harness.user(651, "Eve", language)
    refused = {"fr": "réservée aux coordinateurs", "en": "coordinators"}[language]
    stale = {"fr": "plus valable", "en": "no longer valid"}[language]
    await eve.send("/newsletter")
    await eve.expect_message()
    for forged in ("co:newsletter", f"nw:now_ok:{month}:", f"nw:text:{month}:fr", f"nw:preview:{month}:fr"):
        await eve.tap_data(forged)
        assert refused in ((await eve.expect_callback_answer()).text or "")
    await eve.tap_data(f"nl:read:{month}")  # a draft is not readable before it is sent
    assert stale in ((await eve.expect_callback_answer()).text or "")
    await eve.tap_data("nl:sub:de")
    assert stale in ((await eve.expect_callback_answer()).text or "")
    await eve.send("oui je veux m'abonner")  # typing where a button is expected
    assert "/menu" in (await eve.expect_message()).text
    await eve.tap("📖 Dernière lettre" if language == "fr" else "📖 Latest issue")
    await eve.expect_callback_answer()
    assert {"fr": "Aucune lettre", "en": "No newsletter"}[language] in (await eve.expect_message()).text
    async with harness.session() as session:
        issue = (await session.execute(select(NewsletterIssue))).scalar_one()
        assert issue.sent_at is None and issue.campaign_id is None
        assert (await session.execute(select(NewsletterSubscription))).first() is None


@pytest.mark.parametrize(("language", "labels"), [
    ("fr", ("🇫🇷 Français", "✅ J'accepte", "🌳 Volontaires du Climat", "Continuer »", "✅ Confirmer", "✅ S'abonner")),
    ("en", ("🇬🇧 English", "✅ I agree", "🌳 Climate Volunteers", "Continue »", "✅ Confirm", "✅ Subscribe")),
])
async def test_climate_volunteers_are_offered_the_newsletter_at_signup(
        harness: BotHarness, language: str, labels: tuple[str, ...]) -> None:
    flag, agree, climate, next_, confirm, subscribe = labels
    ines = harness.user(661, "Inès", language)
    await ines.send("/start")
    await ines.expect_message()
    await ines.tap(flag)
    await ines.expect_message()
    await ines.tap(agree)
    await ines.expect_message()
    await ines.send("Inès")
    await ines.expect_message()
    await ines.tap("11")
    await ines.expect_message()
    await ines.tap(climate)
    await ines.expect_message()
    await ines.tap(next_)
    await ines.expect_message()
    await ines.tap(next_)
    await ines.expect_message()
    await ines.tap(confirm)
    await ines.expect_messages(2)  # welcome, then the main menu
    offer = await ines.expect_message()
    assert {"fr": "Lettre du Climat", "en": "Climate Newsletter"}[language] in offer.visible_text
    await ines.tap(subscribe)
    await ines.expect_callback_answer()
    await ines.expect_message()
    async with harness.session() as session:
        subscription = (await session.execute(select(NewsletterSubscription))).scalar_one()
    assert (subscription.locale, subscription.active) == (language, True)
