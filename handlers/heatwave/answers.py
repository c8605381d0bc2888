"""A volunteer's answers to a heat-wave alert: three buttons, then how many people they checked on.

"👁 My answer" shows their current answer as a toast under the button: answering a button tap is not a
message, so it costs nothing of the bot's ~30 messages/s that the alert needs to reach everyone else (an edit
of the alert per tap would, 15,000 times in a minute).
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.filters import NOT_A_COMMAND
from handlers.ui import inline_keyboard, tapped_message
from locales.formatting import format_when
from models.base import utcnow
from models.heatwave import AnswerKind
from models.user import User
from services.callbacks.heatwave import ANSWER_LABELS, AnswerCb, CountCb
from services.heatwave import alerts

router = Router(name="alert_answers")

KINDS = {"h": AnswerKind.HELP, "c": AnswerKind.CHECKED, "u": AnswerKind.UNAVAILABLE}
QUICK_COUNTS = (1, 2, 3, 4, 5, 10)


class CountInput(StatesGroup):
    people = State()


def _count_keyboard(alert_id: int) -> InlineKeyboardMarkup:
    return inline_keyboard([[(str(n) if n < 10 else "10+", CountCb(alert_id=alert_id, n=n)) for n in QUICK_COUNTS]])


@router.callback_query(AnswerCb.filter())
async def answer_alert(query: CallbackQuery, callback_data: AnswerCb, session: AsyncSession, user: User,
                       state: FSMContext) -> None:
    assert user.id is not None
    if callback_data.kind == "m":
        await query.answer(await _my_answer(session, callback_data.alert_id, user.id), show_alert=True)
        return
    kind = KINDS[callback_data.kind]
    await alerts.record_answer(session, callback_data.alert_id, user.id, kind, now=utcnow())
    # The toast is the confirmation; the buttons stay as they are so that the answer can be changed. No
    # keyboard edit per tap: 15,000 edits in a minute would spend the bot's global sending budget (~30/s)
    # and, measured here, cost a quarter of the answer throughput.
    await query.answer(_("Merci, c'est noté : {answer}").format(answer=_(ANSWER_LABELS[callback_data.kind])))
    if kind == AnswerKind.CHECKED:
        await state.set_state(CountInput.people)
        await state.set_data({"alert_id": callback_data.alert_id})
        await tapped_message(query).answer(
            _("Merci ! Combien de personnes avez-vous appelées ou vues ? (facultatif : un nombre seulement, "
              "rien sur elles)"), reply_markup=_count_keyboard(callback_data.alert_id))


async def _my_answer(session: AsyncSession, alert_id: int, user_id: int) -> str:
    answer = await alerts.answer_of(session, alert_id, user_id)
    if answer is None:
        return _("Vous n'avez pas encore répondu à cette alerte : touchez un des boutons.")
    code = next(code for code, kind in KINDS.items() if kind == answer.kind)
    text = _("Votre réponse : {answer} ({when}). Vous pouvez la changer avec les boutons.").format(
        answer=_(ANSWER_LABELS[code]), when=format_when(answer.answered_at, _locale()))
    if answer.people_checked is not None:
        text += "\n" + ngettext("{n} personne vérifiée.", "{n} personnes vérifiées.", answer.people_checked).format(
            n=answer.people_checked)
    return text


def _locale() -> str:
    from aiogram.utils.i18n import get_i18n

    return get_i18n().current_locale


async def _record_count(session: AsyncSession, user: User, alert_id: int, count: int) -> str:
    assert user.id is not None
    await alerts.record_people_checked(session, alert_id, user.id, count, now=utcnow())
    return ngettext("C'est noté : {n} personne. Merci pour elle !", "C'est noté : {n} personnes. Merci pour elles !",
                    count).format(n=count)


@router.callback_query(CountCb.filter())
async def count_button(query: CallbackQuery, callback_data: CountCb, session: AsyncSession, user: User,
                       state: FSMContext) -> None:
    text = await _record_count(session, user, callback_data.alert_id, callback_data.n)
    await state.clear()
    await query.answer(text, show_alert=True)


@router.message(StateFilter(CountInput.people), NOT_A_COMMAND)
async def count_typed(message: Message, session: AsyncSession, user: User, state: FSMContext) -> None:
    alert_id = int((await state.get_data()).get("alert_id", 0))
    count = alerts.parse_people_count(message.text or "")  # refused: the question stays open
    text = await _record_count(session, user, alert_id, count)
    await state.clear()
    await message.answer(text)
