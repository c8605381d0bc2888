"""A volunteer's answers to a heat-wave alert: three buttons, then how many people they checked on."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.filters import NOT_A_COMMAND
from handlers.ui import inline_keyboard, tapped_message
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


async def _record_count(session: AsyncSession, user: User, alert_id: int, count: int) -> str:
    assert user.id is not None
    await alerts.record_people_checked(session, alert_id, user.id, count, now=utcnow())
    return _("C'est noté : {n} personne(s). Merci pour elles !").format(n=count)


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
