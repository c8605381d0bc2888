"""Signup stories, told through the real bot and the Bot API emulator."""

from __future__ import annotations

from sqlmodel import select

from models.user import User
from tests.harness import BotHarness


async def _stored(harness: BotHarness, telegram_id: int) -> User | None:
    async with harness.session() as session:
        return (await session.execute(select(User).where(User.telegram_id == telegram_id))).scalar_one_or_none()


async def test_signup_in_french(harness: BotHarness) -> None:
    camille = harness.user(101, "Camille", "fr")
    await camille.send("/start")
    welcome = await camille.expect_message()
    assert welcome.button_labels[0] == "🇫🇷 Français"  # suggested from language_code first

    await camille.tap("🇫🇷 Français")
    notice = await camille.expect_message()
    assert "Ce que nous gardons" in notice.visible_text
    await camille.tap("✅ J'accepte")
    assert "Quel est votre nom" in (await camille.expect_message()).text

    await camille.send("Camille Dupont")
    place = await camille.expect_message()
    assert "Où habitez-vous" in place.text and "Hors de Paris" in place.button_labels
    await camille.tap("18")
    await camille.expect_message()
    await camille.tap("Les deux")
    languages = await camille.expect_message()
    assert "Arabe" in languages.button_labels
    await camille.tap("Arabe")
    edited = await camille.expect_edit()
    assert "✅ Arabe" in edited.button_labels
    await camille.tap("Continuer »")
    await camille.expect_message()
    await camille.tap("Premiers secours")
    await camille.expect_edit()
    await camille.tap("Continuer »")
    summary = await camille.expect_message()
    assert "Camille Dupont" in summary.visible_text and "Paris 18e" in summary.visible_text
    assert "Volontaires du Climat, Volontaires de la Solidarité" in summary.visible_text

    await camille.tap("✅ Confirmer")
    assert "vous êtes inscrit" in (await camille.expect_message()).text
    menu = await camille.expect_message()
    assert "👤 Mon profil" in menu.button_labels
    assert "🛠 Menu coordinateur" not in menu.button_labels

    user = await _stored(harness, 101)
    assert user is not None and user.is_signed_up
    assert (user.full_name, user.arrondissement, user.postal_code) == ("Camille Dupont", 18, None)
    assert user.climate_volunteer and user.solidarity_volunteer
    assert user.languages == ["ar"] and user.skills == ["first_aid"] and user.locale == "fr"


async def test_signup_in_english_outside_paris(harness: BotHarness) -> None:
    sam = harness.user(102, "Sam", "en-GB")
    await sam.send("/start")
    welcome = await sam.expect_message()
    assert welcome.button_labels[0] == "🇬🇧 English"
    await sam.tap("🇬🇧 English")
    assert "What we keep" in (await sam.expect_message()).visible_text
    await sam.tap("✅ I agree")
    await sam.expect_message()
    await sam.send("Sam O'Neill")
    await sam.expect_message()
    await sam.tap("Outside Paris")
    assert "postal code" in (await sam.expect_message()).text
    await sam.send("93100")
    networks = await sam.expect_message()
    assert networks.button_labels[:2] == ["🌳 Climate Volunteers", "🤝 Solidarity Volunteers"]
    await sam.tap("🌳 Climate Volunteers")
    await sam.expect_message()
    await sam.tap("Continue »")
    await sam.expect_message()
    await sam.tap("Continue »")
    summary = await sam.expect_message()
    assert "Outside Paris (93100)" in summary.visible_text and "Climate Volunteers" in summary.visible_text
    await sam.tap("✅ Confirm")
    assert "you are signed up" in (await sam.expect_message()).text
    user = await _stored(harness, 102)
    assert user is not None and user.locale == "en" and user.postal_code == "93100"
    assert user.arrondissement is None and not user.solidarity_volunteer


async def test_typing_instead_of_tapping_and_bad_answers(harness: BotHarness) -> None:
    lea = harness.user(103, "Léa", "fr")
    await lea.send("/start")
    await lea.expect_message()
    await lea.send("bonjour")  # free text where a language button is expected
    retry = await lea.expect_message()
    assert "Touchez un bouton" in retry.text and retry.button_labels
    await lea.send("english")  # a typed language is understood
    await lea.expect_message()
    await lea.send_sticker()
    assert "buttons below" in (await lea.expect_message()).text
    await lea.expect_message()  # the notice again
    await lea.tap("✅ I agree")
    await lea.expect_message()
    await lea.send("R2-D2")
    assert "only letters" in (await lea.expect_message()).text
    await lea.send("Léa")
    await lea.expect_message()
    await lea.send("42")
    assert "20 arrondissements" in (await lea.expect_message()).text
    await lea.send("75999")
    assert "does not exist" in (await lea.expect_message()).text
    await lea.send("75011")  # a Paris postal code becomes its arrondissement
    await lea.expect_message()
    await lea.send("both please")
    assert "buttons below" in (await lea.expect_message()).text
    assert (await _stored(harness, 103)).signed_up_at is None  # type: ignore[union-attr]


async def test_old_and_forged_buttons_change_nothing(harness: BotHarness) -> None:
    noa = harness.user(104, "Noa", "fr")
    await noa.send("/start")
    first = await noa.expect_message()
    await noa.tap("🇫🇷 Français")
    await noa.expect_callback_answer()
    await noa.expect_message()
    await noa.tap("🇬🇧 English", message=first)  # an old button from an earlier step
    answer = await noa.expect_callback_answer()
    assert "plus valable" in (answer.text or "")
    again = await noa.expect_message()
    assert "Ce que nous gardons" in again.visible_text  # the current question is asked again
    await noa.tap_data("fm:signup:place:pick:99")
    assert "plus valable" in ((await noa.expect_callback_answer()).text or "")
    await noa.tap_data("zz:unknown")
    assert "plus valable" in ((await noa.expect_callback_answer()).text or "")
    user = await _stored(harness, 104)
    assert user is not None and user.locale == "fr" and user.arrondissement is None


async def test_signup_survives_a_restart(harness: BotHarness) -> None:
    ines = harness.user(105, "Inès", "fr")
    await ines.send("/start")
    await ines.expect_message()
    await ines.tap("🇫🇷 Français")
    await ines.expect_message()
    await ines.tap("✅ J'accepte")
    await ines.expect_message()
    await ines.send("Inès")
    await ines.expect_message()

    await harness.restart()

    await ines.tap("5")  # the place question from before the restart still works
    networks = await ines.expect_message()
    assert "Quel réseau" in networks.text
    await ines.send("/start")  # /start in the middle resumes instead of starting over
    assert "Reprenons" in (await ines.expect_message()).text
    assert "Quel réseau" in (await ines.expect_message()).text


async def test_decline_consent_stores_nothing(harness: BotHarness) -> None:
    tom = harness.user(106, "Tom", "fr")
    await tom.send("/start")
    await tom.expect_message()
    await tom.tap("🇫🇷 Français")
    await tom.expect_message()
    await tom.tap("Je refuse")
    assert "rien n'a été enregistré" in (await tom.expect_message()).text
    user = await _stored(harness, 106)
    assert user is not None and user.consent_at is None and user.full_name is None
