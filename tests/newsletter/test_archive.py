"""Readers' archive: paged, and every issue read again ends with a way on (no dead ends), in French and English."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models.base import utcnow
from models.newsletter import NewsletterIssue
from services import newsletter
from tests.harness import BotHarness

WORDS = {
    "fr": {"past": "🗂 Lettres précédentes", "latest": "📖 Dernière lettre", "menu": "☰ Menu",
           "which": "Quelle lettre", "main": "📰 Lettre du Climat", "stale": "plus valable"},
    "en": {"past": "🗂 Past issues", "latest": "📖 Latest issue", "menu": "☰ Menu",
           "which": "Which newsletter", "main": "📰 Climate Newsletter", "stale": "no longer valid"},
}


async def _sent_issues(harness: BotHarness, count: int) -> list[str]:
    """`count` issues already sent, one a month going back from last month, newest first."""
    months = []
    first = utcnow().date().replace(day=1)
    async with harness.session() as session, session.begin():
        for back in range(1, count + 1):
            day = first
            for _ in range(back):
                day = (day - timedelta(days=1)).replace(day=1)
            month = f"{day.year:04d}-{day.month:02d}"
            months.append(month)
            session.add(NewsletterIssue(month=month, title_fr=f"Lettre {month}", body_fr="Bonjour **tous**.",
                                        title_en=f"Issue {month}", body_en="Hello **everyone**.",
                                        sent_at=utcnow() - timedelta(days=30 * back)))
    return months


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_the_archive_is_paged_and_every_issue_ends_with_a_button(harness: BotHarness, language: str) -> None:
    words = WORDS[language]
    months = await _sent_issues(harness, 8)
    reader = harness.user(681, "Noor", language)
    await reader.send("/newsletter")
    await reader.expect_message()
    await reader.tap(words["past"])
    archive = await reader.expect_message()
    assert words["which"] in archive.text
    labels = [label for row in archive.buttons for label in row]
    assert newsletter.month_label(months[0], language) in labels and "1/2" in labels and "›" in labels
    assert newsletter.month_label(months[6], language) not in labels  # six to a page
    await reader.tap("›", message=archive)
    turned = await reader.expect_edit()  # paging turns the list in place
    labels = [label for row in turned.buttons for label in row]
    assert newsletter.month_label(months[7], language) in labels and "2/2" in labels and "‹" in labels
    await reader.tap(newsletter.month_label(months[7], language), message=turned)
    issue = await reader.expect_message()
    expected = "Issue" if language == "en" else "Lettre"
    assert f"{expected} {months[7]}" in issue.visible_text
    assert issue.button_labels == [words["past"], words["menu"]]  # a way on, not a dead end
    await reader.tap(words["menu"], message=issue)
    assert words["main"] in (await reader.expect_message()).button_labels

    await reader.send("/newsletter")
    await reader.expect_message()
    await reader.tap(words["latest"])
    latest = await reader.expect_message()
    assert months[0] in latest.visible_text and latest.button_labels == [words["past"], words["menu"]]
    await reader.tap("‹", message=archive)  # the list, left a while ago, still turns
    back = await reader.expect_edit()
    assert "1/2" in [label for row in back.buttons for label in row]
    forged = await reader.tap_data("na:100001:turn")  # a page out of range is forged
    while (answer := await reader.expect_callback_answer()).query_id != forged:
        pass
    assert words["stale"] in (answer.text or "")
