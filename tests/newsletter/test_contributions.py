"""The co-written newsletter (issue 19): subscribers send a contribution for next month's issue through a form;
coordinators accept it (printed at the end of that issue, credited by first name if the author agreed) or
decline it with a note the author reads in their language. French and English, with the bad inputs."""

from __future__ import annotations

import pytest
from sqlmodel import select

from models.base import utcnow
from models.newsletter import NewsletterContribution
from services import newsletter
from services import newsletter_contributions as contributions
from tests import factories
from tests.harness import BotHarness
from tests.newsletter.test_stories import DESK, ENGLISH, FRENCH, _open_desk

COMPOST = "Dans mon immeuble nous avons installé un composteur partagé : 30 familles y participent déjà !"
BIKES = "Our street now has a repair café for bikes every Saturday morning, open to all."

WRITER = {
    "fr": {"contribute": "✍️ Contribuer à la prochaine lettre", "prompt": "Votre contribution", "short": "un peu court",
           "back": "« Retour", "cancel": "✖ Annuler", "yes": "✅ Oui, avec mon prénom", "no": "Non, anonyme",
           "edit": "Modifier la signature", "anonymous": "anonyme", "send": "✅ Envoyer ma contribution",
           "thanks": "Merci", "subscribe": "🇫🇷 Français", "refused": "Abonnez-vous", "photo": "Une photo",
           "no_photo": "Sans photo", "not_a_photo": "Envoyez une photo (pas un fichier)",
           "with_photo": "Avec une photo"},
    "en": {"contribute": "✍️ Contribute to the next issue", "prompt": "Your contribution", "short": "a little short",
           "back": "« Back", "cancel": "✖ Cancel", "yes": "✅ Yes, with my first name", "no": "No, anonymous",
           "edit": "Edit signature", "anonymous": "anonymous", "send": "✅ Send my contribution",
           "thanks": "Thank you", "subscribe": "🇬🇧 English", "refused": "Subscribe", "photo": "A photo",
           "no_photo": "No photo", "not_a_photo": "Send a photo (not a file)", "with_photo": "With a photo"},
}


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_a_subscriber_sends_a_contribution(harness: BotHarness, language: str) -> None:
    words = WRITER[language]
    text = COMPOST if language == "fr" else BIKES
    async with harness.session() as session, session.begin():
        await factories.volunteer(session, 691, name="Léa Dupont", locale=language)
        await factories.volunteer(session, 692, name="Paul Roux", locale=language)
    lea, paul = harness.user(691, "Léa", language), harness.user(692, "Paul", language)
    await paul.send("/newsletter")  # not subscribed: no such button, and a forged one is refused
    assert words["contribute"] not in (await paul.expect_message()).button_labels
    await paul.tap_data("nl:contribute:")
    assert words["refused"] in ((await paul.expect_callback_answer()).text or "")

    await lea.send("/newsletter")
    await lea.expect_message()
    await lea.tap(words["subscribe"])
    await lea.expect_callback_answer()
    panel = await lea.expect_message()
    await lea.tap(words["contribute"], message=panel)
    prompt = await lea.expect_message()
    assert words["prompt"] in prompt.text and words["cancel"] in prompt.button_labels
    assert words["back"] not in prompt.button_labels
    await lea.send("Trop court" if language == "fr" else "Too short")
    assert words["short"] in (await lea.expect_message()).text
    await lea.send(text)
    photo = await lea.expect_message()  # an optional photo
    assert words["photo"] in photo.text and words["no_photo"] in photo.button_labels
    await lea.tap(words["back"])  # back to the text, written again
    assert words["prompt"] in (await lea.expect_message()).text
    await lea.send(text)
    await lea.expect_message()
    await lea.send_document("compost.jpg", b"\xff\xd8\xff file")  # a file, not a photo: said, asked again
    assert words["not_a_photo"] in (await lea.expect_message()).text
    await lea.expect_message()
    await lea.send("ma photo" if language == "fr" else "my photo")  # typed: the same
    assert words["not_a_photo"] in (await lea.expect_message()).text
    await lea.expect_message()
    await lea.send_photo(b"\xff\xd8\xff compost")
    credit = await lea.expect_message()
    assert "Léa" in credit.text and words["back"] in credit.button_labels
    await lea.tap(words["yes"])
    summary = await lea.expect_message()
    assert text[:30] in summary.visible_text and "Léa" in summary.visible_text
    assert words["with_photo"] in summary.visible_text
    await lea.tap(words["edit"])  # the signature edited from the summary
    await lea.expect_message()
    await lea.tap(words["no"])
    summary = await lea.expect_message()
    assert words["anonymous"] in summary.visible_text and "Léa" not in summary.visible_text
    await lea.tap(words["send"])
    assert words["thanks"] in (await lea.expect_message()).text
    async with harness.session() as session:
        stored = (await session.execute(select(NewsletterContribution))).scalars().all()
    assert [(row.text, row.locale, row.credit, row.status) for row in stored] == [(text, language, False, "pending")]
    assert stored[0].photo_file_id is not None  # Telegram keeps the file; the bot only its id
    assert stored[0].month == contributions.contribution_month(utcnow())


REVIEW = {
    "fr": {"button": "📥 Contributions à relire (2)", "accept": "✅ Accepter", "decline": "✖ Refuser…",
           "note": "Pas de place", "accepted": "Acceptée", "none": "Plus aucune contribution", "stale": "plus valable",
           "preview_fr": "👁 Aperçu 🇫🇷", "preview_en": "👁 Aperçu 🇬🇧", "see_photo": "📷 Voir la photo"},
    "en": {"button": "📥 Contributions to review (2)", "accept": "✅ Accept", "decline": "✖ Decline…",
           "note": "No room", "accepted": "Accepted", "none": "No more contributions", "stale": "no longer valid",
           "preview_fr": "👁 Preview 🇫🇷", "preview_en": "👁 Preview 🇬🇧", "see_photo": "📷 See the photo"},
}


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_coordinators_accept_with_credit_or_decline_with_a_translated_note(harness: BotHarness,
                                                                                 language: str) -> None:
    words = REVIEW[language]
    now = utcnow()
    month = contributions.contribution_month(now)
    async with harness.session() as session, session.begin():
        camille = await factories.volunteer(session, 693, name="Camille Martin", locale="fr")
        sam = await factories.volunteer(session, 694, name="Sam Lee", locale="en")
        await newsletter.subscribe(session, camille, "fr")
        await newsletter.subscribe(session, sam, "en")
        await contributions.contribute(session, camille, COMPOST, credit=True, now=now)
        await contributions.contribute(session, sam, BIKES, credit=False, now=now)
        await newsletter.save_text(session, month, "fr", newsletter.parse_document(FRENCH), now=now)
        await newsletter.save_text(session, month, "en", newsletter.parse_document(ENGLISH), now=now)
    camille_chat = harness.user(693, "Camille", "fr")
    volunteer = harness.user(694, "Sam", "en")
    photo = camille_chat.state.store_file("compost.jpg", b"\xff\xd8\xff compost", "image/jpeg").file_id
    async with harness.session() as session, session.begin():
        stored = (await session.execute(select(NewsletterContribution).where(
            NewsletterContribution.user_id == camille.id))).scalar_one()
        stored.photo_file_id = photo
    await volunteer.send("/newsletter")
    await volunteer.expect_message()
    await volunteer.tap_data("nk:review:0:")  # the review is for coordinators only
    assert "coordinators" in ((await volunteer.expect_callback_answer()).text or "")

    coordinator = harness.coordinator(language)
    await _open_desk(coordinator, DESK[language])
    await coordinator.tap(words["button"])
    await coordinator.expect_callback_answer()
    first = await coordinator.expect_message()
    assert "Camille Martin" in first.visible_text and COMPOST[:30] in first.visible_text
    assert words["see_photo"] in first.button_labels
    await coordinator.tap(words["see_photo"], message=first)
    shown = await coordinator.expect_message()
    assert shown.kind == "photo"
    accept = await coordinator.tap(words["accept"], message=first)
    while (answer := await coordinator.expect_callback_answer()).query_id != accept:
        pass
    assert words["accepted"] in (answer.text or "")
    second = await coordinator.expect_edit()
    assert "Sam Lee" in second.visible_text and BIKES[:30] in second.visible_text
    await coordinator.tap(words["decline"], message=second)
    await coordinator.expect_edit()
    await coordinator.tap(words["note"])
    assert words["none"] in (await coordinator.expect_edit()).visible_text
    forged = await coordinator.tap_data("nk:accept:1:")  # Camille's again: already reviewed
    while (answer := await coordinator.expect_callback_answer()).query_id != forged:
        pass
    assert words["stale"] in (answer.text or "")

    await harness.drain_outbox()
    told_camille = await harness.user(693).expect_message()
    assert "paraîtra dans la Lettre du Climat" in told_camille.text
    told_sam = await volunteer.expect_message()
    assert "We did not have room to publish it this month." in told_sam.text  # Sam's language, not the desk's
    async with harness.session() as session:
        issue = await newsletter.require_issue(session, month)
        french = "\n".join(await newsletter.rendered(session, issue, "fr"))
        english = "\n".join(await newsletter.rendered(session, issue, "en"))
    assert "Vos contributions" in french and f"{COMPOST} » — Camille" in french and "Martin" not in french
    assert BIKES not in english and COMPOST not in english and "contributions" not in english

    async with harness.session() as session, session.begin():  # readers get the photo after the issue's text
        await newsletter.send_issue(session, await newsletter.require_issue(session, month), now=utcnow())
    await harness.drain_outbox()
    received = [await camille_chat.expect_message()]
    while received[-1].kind != "photo":
        received.append(await camille_chat.expect_message())
    assert "📷 Photo de Camille" in (received[-1].caption or "") and received[-1].button_labels == ["Se désabonner"]
    assert all(not message.button_labels for message in received[:-1])
