"""Every training button's wire format, forged: out of range, wrong type, unknown action, or under a message
Telegram no longer shows. Each gets the one stale-button answer and changes nothing (FR and EN)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from models.training import Booking, Training, TrainingStatus
from tests import factories
from tests.harness import BotHarness
from tests.training.helpers import session_in

STALE = {"fr": "plus valable", "en": "no longer valid"}


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_forged_and_inaccessible_training_buttons(harness: BotHarness, language: str) -> None:
    async with harness.session() as session:
        await factories.volunteer(session, 1301, locale=language)
        training = await session_in(session)
        await session.commit()
    volunteer = harness.user(1301, "Noa", language)
    coordinator = harness.coordinator(language)
    await volunteer.send("/trainings")
    listing = await volunteer.expect_message()
    await coordinator.send("/coord")
    await coordinator.expect_message()
    for person, forged in (
        (volunteer, f"tr:book:{2**63}:0"), (volunteer, "tr:show:-1:0"), (volunteer, "tr:list:0:100001"),
        (volunteer, "tr:book:x:0"), (volunteer, "tr:steal:1:0"), (volunteer, f"ty:maybe:{training.id}"),
        (volunteer, f"ty:3:{2**64}"), (volunteer, "ty:coming:abc"),
        (coordinator, f"ta:kill:{2**63}:0:0"), (coordinator, f"ta:mark:{training.id}:-5:0"),
        (coordinator, "ta:field:1:0:0"), (coordinator, f"ta:sheet:{training.id}:0:999999"),
    ):
        await person.tap_data(forged)
        answer = await person.expect_callback_answer()
        assert STALE[language] in (answer.text or ""), (forged, answer.text)
    # a button under a message Telegram no longer shows: the same answer, nothing done
    await volunteer.tap(listing.button_labels[0], message=listing, inaccessible=True)
    assert STALE[language] in ((await volunteer.expect_callback_answer()).text or "")
    await volunteer.expect_no_message()
    async with harness.session() as session:
        assert list((await session.execute(select(Booking))).scalars()) == []
        stored = await session.get(Training, training.id)
        assert stored is not None and stored.status == TrainingStatus.SCHEDULED
