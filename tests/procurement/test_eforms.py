"""eForms notices (the official SDK samples): every sample's facts, the change notice's effect, and a
subscriber who receives a call with its deadline, follows it and is reminded (controlled clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot.db import create_engine, create_sessionmaker
from models.procurement import Notice, NoticeFollow
from services.procurement import deadlines
from services.procurement.importing import import_document
from services.procurement.streaming import FormatError
from services.procurement.subscriptions import render_notice
from tests.factories import sme_subscription
from tests.harness import BotHarness

EFORMS = Path(__file__).resolve().parents[1] / "fixtures" / "procurement" / "eforms"
BEFORE = datetime(2019, 12, 1, 9, 0, tzinfo=UTC)  # cn_24_minimal (issued 21 Nov 2019) is open until 4 Feb 2020

# file → (kind, title starts, buyer, CPV codes, deadline UTC, its offset, value, lots, status)
FACTS = {
    "cn_24_minimal.xml": ("call", "Provision of IT Services Related to OP IT Systems",
                          "Publications Office of the European Union", ["72230000"],
                          datetime(2020, 2, 4, 8, 0, tzinfo=UTC), "+02:00", None, 1, "active"),
    "cn_24_maximal.xml": ("call", "Procurement Title ---", "Financial Adinistration for ...",
                          ["79710000", "79720000", "75121000"], datetime(2023, 5, 22, 19, 59, 32, tzinfo=UTC),
                          "+01:00", 9999999.99, 3, "active"),
    "cn_24_FRA_comments.xml": ("call", "Service d'entretien de remise en état et de nettoyage des espaces verts",
                               "Rouen Habitat", ["77310000"], datetime(2019, 6, 24, 16, 0, tzinfo=UTC), "+00:00",
                               None, 2, "active"),
    "cn_24_multilingual.xml": ("call", "Fourniture de services informatiques", "Office des publications de "
                               "l'Union européenne", ["72230000", "72260000"], datetime(2020, 2, 3, 13, 0, tzinfo=UTC),
                               "+00:00", 4500000.0, 1, "active"),
    "can_24_minimal.xml": ("award", "Service d'entretien de remise en état et de nettoyage des espaces verts",
                           "Rouen Habitat", ["77310000"], None, None, 390697.84, 1, "active"),
    "change-cn_24_void.xml": ("call", "Provision of IT Services Related to OP IT Systems",
                              "Publications Office of the European Union", ["72230000"],
                              datetime(2020, 2, 4, 8, 0, tzinfo=UTC), "+02:00", None, 1, "cancelled"),
}


@pytest.mark.parametrize("name", sorted(FACTS))
async def test_every_sample_notice_is_read_with_its_facts(name: str, sqlite_url: str) -> None:
    kind, title, buyer, cpv, deadline, offset, value, lots, status = FACTS[name]
    engine = create_engine(sqlite_url)
    try:
        summary = await import_document(create_sessionmaker(engine), (EFORMS / name).read_bytes(), BEFORE)
        assert (summary.source_format, summary.records, summary.imported, summary.errors) == ("eforms", 1, 1, [])
        async with create_sessionmaker(engine)() as session:
            notice = (await session.execute(select(Notice))).scalar_one()
        assert (notice.source, notice.kind, notice.buyer, notice.cpv_codes) == ("eforms", kind, buyer, cpv)
        assert notice.title.startswith(title) and notice.status == status
        assert notice.deadline == deadline and (notice.details or {})["deadline_offset"] == offset
        assert notice.amount == value and len((notice.details or {})["lots"]) == lots
    finally:
        await engine.dispose()


async def test_the_award_notice_names_the_winner_and_the_multilingual_keeps_every_title(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    sessions = create_sessionmaker(engine)
    try:
        for name in ("can_24_minimal.xml", "cn_24_multilingual.xml", "cn_24_FRA_comments.xml"):
            await import_document(sessions, (EFORMS / name).read_bytes(), BEFORE)
        async with sessions() as session:
            notices = {n.source_id: n for n in (await session.execute(select(Notice))).scalars()}
        award = notices["022d0ef9-6338-42d9-afa4-a87709128061"]
        assert (award.winner, award.awarded_at, award.department) == (
            "Espaces Verts Lemire", datetime(2019, 9, 3, 21, 59, 59, tzinfo=UTC), None)
        multilingual = notices["46c9ce89-5986-40d9-992f-e1a2469a48f8"]
        titles = (multilingual.details or {})["titles"]
        assert titles["en"].startswith("Provision of IT Services") and titles["fr"].startswith("Fourniture")
        # shown in the reader's language when the notice has it
        assert "<b>Provision of IT Services" in render_notice(multilingual, "en")
        assert "<b>Fourniture de services" in render_notice(multilingual, "fr")
        rouen = notices["e3cdabf1-e057-47a5-9210-b1f6fc757228"]
        assert rouen.country == "FR" and rouen.url == "https://www.marches-publics.info/accueil.htm"
    finally:
        await engine.dispose()


def test_xml_that_is_not_a_notice_is_refused_clearly() -> None:
    import io

    from services.procurement.eforms import parse_eforms

    for document, english in ((b"<Invoice/>", "not an eForms notice"),
                              (b"<ContractNotice><a>", "invalid or truncated XML")):
        with pytest.raises(FormatError) as error:
            parse_eforms(io.BytesIO(document))
        assert english in error.value.render("en")


CASES = {
    "fr": ("Appel d'offres", "Date limite", "heure de Paris", "plus que 65 jours", "⭐ Suivre", "Suivi",
           "☆ Ne plus suivre", "Rappel", "plus que 3 jours", "plus que 1 jour", "Avis annulé"),
    "en": ("Call for tender", "Deadline", "Paris time", "65 days left", "⭐ Follow", "Following", "☆ Stop following",
           "Reminder", "3 days left", "1 day left", "Notice cancelled"),
}


def _moved(name: str) -> bytes:
    """The sample moved from 2019-2020 to 2098-2099: the bot's own taps (follow) read the wall clock."""
    return (EFORMS / name).read_bytes().replace(b"2019-", b"2098-").replace(b"2020-", b"2099-")


@pytest.mark.parametrize("lang", ["fr", "en"])
async def test_a_subscriber_receives_a_call_follows_it_and_is_reminded(harness: BotHarness, lang: str) -> None:
    (header, deadline_word, paris, days_left, follow, following, stop, reminder, three, one,
     cancelled) = CASES[lang]
    async with harness.session() as session:
        await sme_subscription(session, 611, locale=lang, cpv_prefixes=["72"], kinds=["call"])
        await session.commit()
    sme = harness.user(611, "Mina", lang)
    now = datetime(2098, 12, 1, 9, 0, tzinfo=UTC)
    summary = await import_document(harness.app.sessions, _moved("cn_24_minimal.xml"), now)
    assert summary.matched == 1
    await harness.drain_outbox()
    call = await sme.expect_message()
    text = call.visible_text
    assert header in text and deadline_word in text and paris in text and days_left in text
    assert "09:00" in text  # 10:00 at +02:00 is 08:00 UTC, 09:00 in Paris in February
    sme.skip_seen()
    await sme.tap(next(label for label in call.button_labels if label.startswith(follow)))
    assert following in ((await sme.expect_callback_answer()).text or "")
    assert stop in (await sme.expect_edit()).button_labels
    await sme.tap(next(label for label in call.button_labels if label.startswith("☆")))  # stop, then follow again
    await sme.expect_callback_answer()
    await sme.expect_edit()
    await sme.tap(next(label for label in call.button_labels if label.startswith(follow)))
    await sme.expect_callback_answer()
    await sme.expect_edit()

    deadline = datetime(2099, 2, 4, 8, 0, tzinfo=UTC)
    for moment, expected in ((deadline - timedelta(days=4), None), (deadline - timedelta(days=3), three),
                             (deadline - timedelta(days=2, hours=23), None), (deadline - timedelta(hours=23), one),
                             (deadline - timedelta(hours=1), None), (deadline + timedelta(hours=1), None)):
        for _twice in range(2):  # a second run at the same moment sends nothing more
            async with harness.app.sessions.begin() as session:
                await deadlines.send_reminders(session, moment)
        await harness.drain_outbox()
        if expected is None:
            await sme.expect_no_message()
        else:
            reminder_message = await sme.expect_message()
            assert reminder in reminder_message.visible_text and expected in reminder_message.visible_text
    async with harness.session() as session:
        assert (await session.execute(select(NoticeFollow))).scalar_one().reminded == 1

    # the change notice withdraws the call: whoever received it is told
    await import_document(harness.app.sessions, _moved("change-cn_24_void.xml"), now)
    await harness.drain_outbox()
    assert cancelled in (await sme.expect_message()).visible_text
    await sme.tap_data(f"tf:on:{call.inline_keyboard[0][0]['callback_data'].split(':')[-1]}")
    assert (await sme.expect_callback_answer()).show_alert  # a cancelled call cannot be followed


async def test_calls_past_their_deadline_are_never_sent_as_new(harness: BotHarness) -> None:
    async with harness.session() as session:
        await sme_subscription(session, 612, cpv_prefixes=["72"], kinds=["call"])
        await session.commit()
    late = datetime(2020, 2, 5, tzinfo=UTC)
    summary = await import_document(harness.app.sessions, (EFORMS / "cn_24_minimal.xml").read_bytes(), late)
    assert (summary.imported, summary.matched) == (1, 0)
    await harness.drain_outbox()
    await harness.user(612, "Noé", "fr").expect_no_message()


def test_an_award_with_a_duration_ends_when_it_says_for_renewal_leads() -> None:
    import io

    from services.procurement.eforms import parse_eforms

    raw = (EFORMS / "can_24_minimal.xml").read_text(encoding="utf-8")
    cut = raw.rindex("</cac:ProcurementProject>")
    raw = raw[:cut] + ('<cac:PlannedPeriod><cbc:DurationMeasure unitCode="MONTH">36</cbc:DurationMeasure>'
                       "</cac:PlannedPeriod>") + raw[cut:]
    notice = parse_eforms(io.BytesIO(raw.encode()))
    assert notice.kind == "award" and notice.term_end == datetime(2022, 9, 3, 21, 59, 59, tzinfo=UTC)
