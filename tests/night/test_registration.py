"""Volunteers register for the Night of Solidarity by buttons or by typing, change, withdraw; in French and English."""

from __future__ import annotations

from sqlmodel import select

from models.night import NightRegistration
from services import users
from tests import factories
from tests.harness import BotHarness
from tests.night.helpers import AFTER_DEADLINE, BEFORE_DEADLINE, make_edition, set_clock


async def _registration(harness: BotHarness, telegram_id: int) -> NightRegistration | None:
    async with harness.session() as session:
        user = await users.get_user(session, telegram_id)
        assert user is not None
        return (await session.execute(select(NightRegistration).where(
            NightRegistration.user_id == user.id))).scalar_one_or_none()


async def _signed_up(harness: BotHarness, telegram_id: int, locale: str, **kwargs: object) -> None:
    async with harness.app.sessions.begin() as session:
        await factories.volunteer(session, telegram_id, locale=locale, solidarity=True, **kwargs)  # type: ignore[arg-type]


async def test_register_by_buttons_in_french(harness: BotHarness) -> None:
    await make_edition(harness, [("18-A", 18, 3, 4, None)])
    set_clock(harness, BEFORE_DEADLINE)
    await _signed_up(harness, 201, "fr", arrondissement=18)
    camille = harness.user(201, "Camille", "fr")
    await camille.send("/menu")
    await camille.expect_message()
    await camille.tap("🌙 Nuit de la Solidarité")
    intro = await camille.expect_message()
    assert "Nuit de la Solidarité 2027" in intro.text and "jeudi 28 janvier 2027" in intro.text
    await camille.tap("✍️ Je m'inscris")
    prefs = await camille.expect_message()
    assert "① 18" in prefs.button_labels  # their home arrondissement is suggested first
    await camille.tap("19")
    assert "② 19" in (await camille.expect_edit()).button_labels
    await camille.tap("10")
    await camille.expect_edit()
    await camille.tap("1")  # a fourth one is refused
    answers = [await camille.expect_callback_answer() for _ in range(5)]
    assert "Trois arrondissements au plus" in (answers[-1].text or "")
    await camille.tap("Continuer »")
    assert "déjà participé" in (await camille.expect_message()).text
    await camille.tap("Je l'ai déjà fait")
    assert "mener une équipe" in (await camille.expect_message()).text
    await camille.tap("Je peux mener une équipe")
    await camille.expect_message()
    await camille.tap("Arabe")
    await camille.expect_edit()
    await camille.tap("Continuer »")
    assert "code de groupe" in (await camille.expect_message()).text
    await camille.send("amis 18")
    assert "contrainte d'accès" in (await camille.expect_message()).text
    await camille.tap("Aucune")
    summary = await camille.expect_message()
    assert "18e, 19e, 10e" in summary.visible_text and "AMIS-18" in summary.visible_text
    assert "peut mener une équipe" in summary.visible_text
    await camille.tap("✅ Confirmer")
    assert "C'est noté" in (await camille.expect_message()).text
    stored = await _registration(harness, 201)
    assert stored is not None and stored.arrondissements == [18, 19, 10] and stored.can_lead
    assert stored.group_code == "AMIS-18" and not stored.first_time and stored.languages == ["ar"]


async def test_register_by_typing_in_english_with_bad_inputs(harness: BotHarness) -> None:
    await make_edition(harness, [("18-A", 18, 3, 4, None)])
    set_clock(harness, BEFORE_DEADLINE)
    await _signed_up(harness, 202, "en", arrondissement=None, postal_code="93100")
    sam = harness.user(202, "Sam", "en")
    await sam.send("/menu")
    await sam.expect_message()
    await sam.tap("🌙 Night of Solidarity")
    await sam.expect_message()
    await sam.tap("✍️ Register")
    await sam.expect_message()
    await sam.tap("Continue »")  # nothing chosen yet
    answers = [await sam.expect_callback_answer() for _ in range(3)]
    assert "at least one arrondissement" in (answers[-1].text or "")
    await sam.send("42")
    assert "20 arrondissements" in (await sam.expect_message()).text
    await sam.send("my favourite")
    assert "arrondissement numbers" in (await sam.expect_message()).text
    await sam.send("11, 20")
    first = await sam.expect_message()
    assert "taken part" in first.text
    await sam.send("yes")  # free text where a button is expected
    assert "buttons below" in (await sam.expect_message()).text
    assert "taken part" in (await sam.expect_message()).text
    await sam.tap_data("ng:first:maybe:x")  # forged
    await sam.expect_callback_answer()
    await sam.tap("It's my first time")
    await sam.expect_message()  # languages (leading is not asked of first-timers)
    await sam.tap("Continue »")
    await sam.expect_message()
    await sam.send("!!")
    assert "group code" in (await sam.expect_message()).text
    await sam.tap("No group")
    await sam.expect_message()
    await sam.send("I walk slowly")
    summary = await sam.expect_message()
    assert "11th, 20th" in summary.visible_text and "I walk slowly" in summary.visible_text
    await sam.tap("✅ Confirm")
    assert "Noted, thank you" in (await sam.expect_message()).text
    stored = await _registration(harness, 202)
    assert stored is not None and stored.arrondissements == [11, 20] and stored.first_time
    assert not stored.can_lead and stored.group_code is None and stored.access_constraint == "I walk slowly"
    sam.skip_seen()
    old = await sam.tap("I've done it before", message=first)  # an old button after the flow ended
    assert "no longer valid" in ((await sam.expect_answer_to(old)).text or "")
    forged = await sam.tap_data("ng:confirm:")  # forged confirm with no registration in progress
    assert "no longer valid" in ((await sam.expect_answer_to(forged)).text or "")
    assert (await _registration(harness, 202)).first_time  # type: ignore[union-attr]


async def test_change_until_deadline_then_only_withdraw(harness: BotHarness) -> None:
    await make_edition(harness, [("18-A", 18, 3, 4, None)])
    set_clock(harness, BEFORE_DEADLINE)
    await _signed_up(harness, 203, "fr", arrondissement=18)
    lea = harness.user(203, "Léa", "fr")
    await lea.send("/menu")
    await lea.expect_message()
    await lea.tap("🌙 Nuit de la Solidarité")
    await lea.expect_message()
    await lea.tap("✍️ Je m'inscris")
    await lea.expect_message()
    await lea.send("18")
    await lea.expect_message()
    await lea.tap("C'est ma première fois")
    await lea.expect_message()
    await lea.tap("Continuer »")
    await lea.expect_message()
    await lea.tap("Pas de groupe")
    await lea.expect_message()
    await lea.tap("Aucune")
    await lea.expect_message()
    await lea.tap("✅ Confirmer")
    await lea.expect_message()
    set_clock(harness, AFTER_DEADLINE)
    await lea.send("/menu")
    await lea.expect_message()
    await lea.tap("🌙 Nuit de la Solidarité")
    shown = await lea.expect_message()
    assert "Votre inscription" in shown.visible_text
    assert "✏️ Modifier" not in shown.button_labels and "Me retirer" in shown.button_labels
    await lea.tap_data("ng:register:")  # an old "change" button after the deadline
    await lea.expect_message()
    await lea.send("19")
    await lea.expect_message()
    await lea.tap("C'est ma première fois")
    await lea.expect_message()
    await lea.tap("Continuer »")
    await lea.expect_message()
    await lea.tap("Pas de groupe")
    await lea.expect_message()
    await lea.tap("Aucune")
    await lea.expect_message()
    lea.skip_seen()
    confirm = await lea.tap("✅ Confirmer")
    refused = await lea.expect_answer_to(confirm)
    assert "date limite est passée" in (refused.text or "")
    assert (await _registration(harness, 203)).arrondissements == [18]  # type: ignore[union-attr]
    await lea.send("/menu")
    await lea.expect_message()
    await lea.tap("🌙 Nuit de la Solidarité")
    await lea.expect_message()
    await lea.tap("Me retirer")
    await lea.expect_message()
    await lea.tap("Oui, me retirer")
    assert "vous êtes retiré" in (await lea.expect_message()).text
    assert (await _registration(harness, 203)).withdrawn_at is not None  # type: ignore[union-attr]
    lea.skip_seen()
    twice = await lea.tap("Oui, me retirer")  # twice
    answer = await lea.expect_answer_to(twice)
    assert "pas inscrit" in (answer.text or "")
