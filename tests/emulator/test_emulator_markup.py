"""HTML parsing, checked against cases from TDLib's test/message_entities.cpp."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.errors import ApiError
from emulator.html import parse_html

HTML_OK: list[tuple[str, str, list[dict[str, Any]]]] = [
    ("&ge;&lt;&gt;&amp;&quot;&laquo;&#12345678;", '&ge;<>&"&laquo;&#12345678;', []),
    ("➡️ ➡️<i>➡️ ➡️</i>", "➡️ ➡️➡️ ➡️", [{"type": "italic", "offset": 5, "length": 5}]),
    (
        "🏟 🏟<i>🏟 &gt;<b aba   =   caba>&lt🏟</b></i>",
        "🏟 🏟🏟 ><🏟",
        [{"type": "italic", "offset": 5, "length": 7}, {"type": "bold", "offset": 9, "length": 3}],
    ),
    ("🏟 🏟&lt;<i>a</    >", "🏟 🏟<a", [{"type": "italic", "offset": 6, "length": 1}]),
    (
        '<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>',
        "st",
        [
            {"type": "spoiler", "offset": 0, "length": 1},
            {"type": "spoiler", "offset": 1, "length": 1},
        ],
    ),
    (
        "<a href=telegram.org> </a>",
        " ",
        [{"type": "text_link", "offset": 0, "length": 1, "url": "http://telegram.org/"}],
    ),
    ("<a>telegram.org </a>", "telegram.org ", []),
    (
        '<pre><code class="language-python">x = 1</code></pre>',
        "x = 1",
        [
            {"type": "pre", "offset": 0, "length": 5, "language": "python"},
        ],
    ),
    (
        "<blockquote expandable>a&lt;<pre>b;</></>",
        "a<b;",
        [
            {"type": "expandable_blockquote", "offset": 0, "length": 4},
            {"type": "pre", "offset": 2, "length": 2},
        ],
    ),
    (
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
        "👍",
        [
            {"type": "custom_emoji", "offset": 0, "length": 2, "custom_emoji_id": "5368324170671202286"},
        ],
    ),
    (
        "<code><i><b> </b></i></code>",
        " ",
        [
            {"type": "code", "offset": 0, "length": 1},
            {"type": "bold", "offset": 0, "length": 1},
            {"type": "italic", "offset": 0, "length": 1},
        ],
    ),
]

HTML_ERRORS = [
    ("🏟 🏟&lt;<abacaba", "Unclosed start tag at byte offset 13"),
    ("🏟 🏟&lt;<abac aba>", 'Unsupported start tag "abac" at byte offset 13'),
    ("🏟 🏟&lt;<i   =aba>", 'Empty attribute name in the tag "i" at byte offset 13'),
    ("🏟 🏟&lt;<i    aba>", 'Can\'t find end tag corresponding to start tag "i"'),
    ("🏟 🏟&lt;<i    aba  =  ", 'Unclosed start tag "i" at byte offset 13'),
    ("🏟 🏟&lt;<i    aba  =  190azAz-.,", "Unexpected end of name token at byte offset 27"),
    ('🏟 🏟&lt;<i    aba  =  "&lt;&gt;&quot;>', "Unclosed start tag at byte offset 13"),
    ("🏟 🏟&lt;</", "Unexpected end tag at byte offset 13"),
    ("🏟 🏟&lt;<b></b></", "Unexpected end tag at byte offset 20"),
    ("🏟 🏟&lt;<i>a</i   ", "Unclosed end tag at byte offset 17"),
    ("🏟 🏟&lt;<i>a</em   >", 'Unmatched end tag at byte offset 17, expected "</i>", found "</em>"'),
    (
        "&#57311;",
        "Text contains invalid Unicode characters after decoding HTML entities, check for unmatched "
        "surrogate code units",
    ),
    ('<span class="big">x</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
]

MARKDOWN_V2_ERRORS = [
    ("🏟 🏟_abacaba", "Can't find end of Italic entity at byte offset 9"),
    ("🏟 🏟_abac * asd ", "Can't find end of Bold entity at byte offset 15"),
    ("🏟 🏟`", "Can't find end of Code entity at byte offset 9"),
    ("🏟 🏟```a ", "Can't find end of PreCode entity at byte offset 9"),
    ("🏟 🏟_🏟 🏟__", "Can't find end of Underline entity at byte offset 19"),
    ("[telegram\\.org](asd", "Can't find end of a URL at byte offset 16"),
    ("🏟 🏟||test\\|", "Can't find end of Spoiler entity at byte offset 9"),
    ("🏟 🏟!", "Character '!' is reserved and must be escaped with the preceding '\\'"),
    ("Prix : 10-20 €", "Character '-' is reserved and must be escaped with the preceding '\\'"),
]


@pytest.mark.parametrize(("markup", "text", "entities"), HTML_OK)
def test_html_parses_like_telegram(markup: str, text: str, entities: list[dict[str, Any]]) -> None:
    parsed = parse_html(markup)
    assert (parsed.text, parsed.entities) == (text, entities)


@pytest.mark.parametrize(("markup", "detail"), HTML_ERRORS)
def test_html_errors_are_worded_like_telegram(markup: str, detail: str) -> None:
    with pytest.raises(ApiError) as info:
        parse_html(markup)
    assert info.value.error_code == 400
    assert info.value.description == f"Bad Request: can't parse entities: {detail}"


def test_utf16_offsets_count_surrogate_pairs() -> None:
    parsed = parse_html("😀 <b>é</b>")
    assert parsed.entities == [{"type": "bold", "offset": 3, "length": 1}]
