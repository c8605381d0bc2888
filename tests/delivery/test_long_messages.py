"""One splitter for every long message: parts Telegram accepts, counted as Telegram counts.

The issue's failure: a valid 4,039-character broadcast with links and a multi-line bold block, once
converted to HTML, was split inside <b>: every recipient got "can't parse entities".
"""

from __future__ import annotations

import html
import re

from sqlmodel import select

from emulator.html import html_error, parse_html
from models.outbox import OutboxMessage
from services.broadcast import Segment, split_text, start_broadcast
from services.markdown_telegram import html_blocks, split_html, telegram_length
from tests import factories
from tests.harness import BotHarness

LINK = '<a href="https://www.paris.fr/pages/canicule-123">la page canicule de la Ville</a>'


def formatted_broadcast() -> str:
    """What a coordinator's formatted message becomes (Message.html_text): 4,039 visible characters, a
    bold block of several lines and paragraphs, links inside and outside it."""
    intro = ("Chères et chers bénévoles, la vigilance canicule est déclenchée pour Paris & la petite couronne. "
             f"Toutes les consignes sont sur {LINK}. ") * 6
    points = "\n".join(f"Point {n} : vérifiez les personnes isolées de votre immeuble." for n in range(1, 13))
    meetings = "\n".join(f"Rendez-vous {n} : mairie du {n}e, 10 h, voir {LINK}." for n in range(1, 15))
    text = f"{intro.strip()}\n\n<b>{points}\n\n{meetings}</b>\n\nMerci 🙏 !"
    filler = "Merci pour votre engagement tout l'été. " * 40
    missing = 4039 - len(visible(text)) - 2
    return f"{filler[:missing].strip()}{'.' * (missing - len(filler[:missing].strip()))}\n\n{text}"


def visible(part: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", part))


def test_the_broadcast_of_the_issue_is_one_message_as_telegram_counts_it() -> None:
    text = formatted_broadcast()
    assert len(visible(text)) == 4039 < 4096 < len(text)  # fits as Telegram counts; its HTML is longer
    assert telegram_length(text) == 4040  # 🙏 is two UTF-16 code units
    assert split_text(text) == [text]


def test_the_same_broadcast_longer_splits_outside_the_bold_block_or_closes_it() -> None:
    text = formatted_broadcast().replace("Merci 🙏 !", "Merci 🙏 ! " * 20)
    parts = split_text(text)
    assert len(parts) == 2
    for part in parts:
        assert html_error(part) is None, part[:80]
        assert telegram_length(part) <= 4096
        assert part.count("<a ") == part.count("</a>")  # links never cut
    assert re.sub(r"\s+", "", "".join(visible(p) for p in parts)) == re.sub(r"\s+", "", visible(text))


def test_lengths_are_counted_in_utf16_after_entity_parsing() -> None:
    assert telegram_length("<b>Merci &amp; bravo</b> 🙏") == len("Merci & bravo ") + 2
    emoji = "🌡️ Alerte canicule. " * 400  # each emoji is 2 UTF-16 units: far more than 4096 units
    parts = split_html(html_blocks(emoji))
    assert all(telegram_length(part) <= 4096 for part in parts)
    assert all(len(parse_html(part).text.encode("utf-16-le")) // 2 <= 4096 for part in parts)


def test_tags_balanced_and_a_heading_is_never_left_alone_at_the_end_of_a_part() -> None:
    paragraph = "Une phrase de remplissage pour occuper la place. " * 40
    blocks = [paragraph, paragraph[:-700], "<b>Le kit du volontaire</b>", "<i>" + paragraph + "</i>"]
    parts = split_html(blocks)
    assert len(parts) == 2
    assert not parts[0].endswith("</b>") and parts[1].startswith("<b>Le kit du volontaire</b>")
    for part in parts:
        assert html_error(part) is None
        assert telegram_length(part) <= 4096


def test_a_long_single_paragraph_with_links_keeps_every_link_whole() -> None:
    text = "<i>" + " ".join(f"Lien {n} : {LINK}." for n in range(200)) + "</i>"
    parts = split_text(text)
    assert len(parts) > 1
    for part in parts:
        assert html_error(part) is None
        assert telegram_length(part) <= 4096
        assert len(re.findall(r"<a [^>]*>la page canicule de la Ville</a>", part)) == part.count("<a ")


async def test_the_long_formatted_broadcast_reaches_every_recipient(harness: BotHarness) -> None:
    async with harness.session() as session, session.begin():
        for index in range(7):
            await factories.volunteer(session, 8100 + index, locale="fr", arrondissement=11)
            harness.user(8100 + index, "V", "fr")
    async with harness.session() as session, session.begin():
        _campaign, count = await start_broadcast(session, segment=Segment(), texts={"fr": formatted_broadcast()},
                                                 title="Canicule")
    assert count == 7
    await harness.drain_outbox()
    async with harness.session() as session:
        rows = (await session.execute(select(OutboxMessage))).scalars().all()
    assert {row.status for row in rows} == {"sent"} and all(row.parts_sent == 1 for row in rows), rows[0].last_error
    for index in range(7):
        received = [message for message in harness.emu.sent_messages if message.chat_id == 8100 + index]
        assert len(received) == 1 and received[0].text == formatted_broadcast()
