"""Forgiving search: trades, plurals and accents find CPV categories page after page; /search pages through
everything and an English query is tried against the French notices, with a hint (issue 18)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.procurement.importing import import_document
from tests.harness import BotHarness

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "procurement"
NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)

CASES = {
    "fr": {"tenders": "/tenders", "agree": "✅ J'accepte", "new": "➕ Nouvel abonnement", "trades": "🧰 Métiers (CPV)",
           "found": "catégories pour", "more": "Plus de résultats ›", "plumber": "plombier", "cleaning": "nettoyages",
           "electrician": "électricien", "hint": "a été cherché comme la catégorie", "back": "« Retour"},
    "en": {"tenders": "/tenders", "agree": "✅ I agree", "new": "➕ New subscription", "trades": "🧰 Trades (CPV)",
           "found": "categories for", "more": "More results ›", "plumber": "Plumbers", "cleaning": "cleaning",
           "electrician": "ELECTRICIAN", "hint": "was searched as the category", "back": "« Back"},
}


@pytest.mark.parametrize("lang", ["fr", "en"])
async def test_trades_plurals_and_accents_find_categories_page_by_page(harness: BotHarness, lang: str) -> None:
    words = CASES[lang]
    sme = harness.user(501 if lang == "fr" else 502, "Karim", lang)
    await sme.send(words["tenders"])
    await sme.expect_message()
    await sme.tap(words["agree"])
    await sme.expect_message()
    await sme.tap(words["new"])
    await sme.expect_message()
    await sme.tap(words["trades"])
    await sme.expect_message()
    await sme.send(words["plumber"])  # a trade as people name themselves, in the plural
    plumbing = await sme.expect_message()
    assert words["found"] in plumbing.visible_text and plumbing.button_labels[0].startswith("➕ 4533 ·")
    await sme.send(words["electrician"])
    assert (await sme.expect_message()).button_labels[0].startswith("➕ 4531 ·")
    await sme.send(words["cleaning"])
    cleaning = await sme.expect_message()
    first_label = cleaning.button_labels[0]
    assert first_label.startswith("➕ 9091 ·")
    pager = next(row for row in cleaning.buttons if "›" in row)
    assert "1/" in " ".join(pager)  # more than one page of categories: results no longer stop at 8
    sme.skip_seen()
    await sme.tap("›")
    page2 = await sme.expect_edit()
    assert "2/" in " ".join(next(row for row in page2.buttons if "›" in row or "‹" in row))
    assert page2.button_labels[0] != first_label
    await sme.tap(page2.button_labels[0])  # adding from page 2 works like from page 1
    await sme.expect_callback_answer()
    assert any(label.startswith("❌") for label in (await sme.expect_message()).button_labels)
    await sme.send("zzqx")
    assert "plombier" in (await sme.expect_message()).visible_text  # no category: the hint names a trade


@pytest.mark.parametrize("lang", ["fr", "en"])
async def test_search_pages_through_everything_and_hints_at_french(harness: BotHarness, lang: str) -> None:
    words = CASES[lang]
    await import_document(harness.app.sessions, (FIXTURES / "decp-v1-e-marchespublics-2019-04-03.json").read_bytes(),
                          NOW)
    sme = harness.user(503 if lang == "fr" else 504, "Lou", lang)
    await sme.send("/search travaux")
    first = await sme.expect_message()
    assert "1–5" in first.visible_text and first.button_labels == [words["more"]]
    await sme.tap(words["more"])
    second = await sme.expect_message()
    assert "6–10" in second.visible_text and first.inline_keyboard == []  # the used button is taken off
    assert second.visible_text.split("\n\n")[1] != first.visible_text.split("\n\n")[1]
    await sme.send("/search cleaning")  # English: the notices are in French; searched as the category
    cleaning = await sme.expect_message()
    assert words["hint"] in cleaning.visible_text and "9091" in cleaning.visible_text
    assert "🏆" in cleaning.visible_text
    await sme.tap_data("tq:3")  # an old "more" button after another search: still answers, from the state
    await sme.expect_callback_answer()
