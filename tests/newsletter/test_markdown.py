"""Markdown to Telegram HTML, and long bodies split into parts the Bot API (the emulator's parser) accepts."""

from __future__ import annotations

import pytest

from emulator.html import html_error, parse_html
from services.markdown_telegram import TEXT_LIMIT, markdown_blocks, markdown_to_html, split_html, telegram_length


def test_formatting_renders_as_telegram_html() -> None:
    html = markdown_to_html(
        "# Titre\n\nDu **gras**, de l'*italique*, ~~barré~~ et [un lien](https://www.paris.fr/climat?a=1&b=2).\n\n"
        "- premier\n- second\n  1. imbriqué\n\n> une citation\n\n`x < y` & <script>alert(1)</script>\n\n"
        "[mauvais](javascript:alert(1))")
    assert html_error(html) is None
    assert "<b>Titre</b>" in html and "<b>gras</b>" in html and "<i>italique</i>" in html
    assert "<s>barré</s>" in html
    assert '<a href="https://www.paris.fr/climat?a=1&amp;b=2">un lien</a>' in html
    assert "• premier\n• second\n   1. imbriqué" in html
    assert "<blockquote>une citation</blockquote>" in html
    assert "<code>x &lt; y</code> &amp; &lt;script&gt;" in html  # raw HTML is shown, never interpreted
    assert "href=\"javascript" not in html and "mauvais" in html  # an unsafe link stays plain text
    visible = parse_html(html)
    assert "**" not in visible.text and "un lien" in visible.text


@pytest.mark.parametrize("shape", ["paragraphs", "one_huge_paragraph", "huge_list", "one_word", "nested"])
def test_long_bodies_split_into_valid_parts(shape: str) -> None:
    sentence = "La **Ville** agit pour le [climat](https://www.paris.fr/climat) : *chaque geste compte* & plus. "
    source = {
        "paragraphs": "\n\n".join(f"Paragraphe {n}. " + sentence * 8 for n in range(40)),
        "one_huge_paragraph": "**" + sentence.replace("**", "") * 200 + "**",
        "huge_list": "\n".join(f"- élément {n} avec du *texte* en italique et [un lien](https://paris.fr/{n})"
                               for n in range(400)),
        "one_word": "*" + "é" * 9000 + "&" * 50 + "*",
        "nested": "> " + ("**_" + "mot " * 3000 + "_**"),
    }[shape]
    blocks = markdown_blocks(source)
    parts = split_html(blocks)
    assert len(parts) > 1
    visible = ""
    for part in parts:
        assert 0 < telegram_length(part) <= TEXT_LIMIT  # issue 13: counted as Telegram counts
        assert html_error(part) is None, part[:200]
        visible += parse_html(part).text
    whole = parse_html(markdown_to_html(source)).text
    # nothing lost or duplicated: the visible text is the same, give or take the whitespace at the cuts
    assert "".join(visible.split()) == "".join(whole.split())


def test_paragraph_boundaries_are_preferred() -> None:
    paragraphs = [f"Paragraphe {n} " + "x" * 1500 for n in range(5)]
    parts = split_html(markdown_blocks("\n\n".join(paragraphs)))
    assert [part.count("Paragraphe") for part in parts] == [2, 2, 1]
    assert all(part.startswith("Paragraphe") for part in parts)
