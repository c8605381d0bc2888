"""A volunteer's answers to a heat-wave alert: three buttons, then how many people they checked on."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.filters import NOT_A_COMMAND
from handlers.kit import KitCb
from locales import N_, t
from models.alerts import AnswerKind
from models.base import utcnow
from models.user import User
from services import alerts
from services.errors import DomainError, StaleButton

router = Router(name="alert_answers")

# one letter per answer keeps the callback data short and stable
KIND_CODES = {"h": AnswerKind.HELP, "c": AnswerKind.CHECKED, "u": AnswerKind.UNAVAILABLE}
ANSWER_LABELS = {AnswerKind.HELP: N_("🙋 Je peux aider"), AnswerKind.CHECKED: N_("✅ J'ai vérifié mes voisins"),
                 AnswerKind.UNAVAILABLE: N_("🚫 Pas disponible")}
QUICK_COUNTS = (1, 2, 3, 4, 5, 10)


class AnswerCb(CallbackData, prefix="aa"):
    alert_id: int
    kind: str


class CountCb(CallbackData, prefix="an"):
    alert_id: int
    n: int


class CountInput(StatesGroup):
    people = State()


def answer_markup(alert_id: int, locale: str) -> dict[str, Any]:
    """The alert's buttons as a plain dict for the outbox, labelled in the recipient's language."""
    rows = [[InlineKeyboardButton(text=t(locale, ANSWER_LABELS[kind]),
                                  callback_data=AnswerCb(alert_id=alert_id, kind=code).pack())]
            for code, kind in KIND_CODES.items()]
    rows.append([InlineKeyboardButton(text=t(locale, "📘 Le kit canicule"), callback_data=KitCb(screen="home").pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows).model_dump(exclude_none=True)


def _count_keyboard(alert_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=str(n) if n < 10 else "10+", callback_data=CountCb(alert_id=alert_id, n=n).pack())
        for n in QUICK_COUNTS]])


@router.callback_query(AnswerCb.filter())
async def answer_alert(query: CallbackQuery, callback_data: AnswerCb, session: AsyncSession, user: User,
                       state: FSMContext) -> None:
    kind = KIND_CODES.get(callback_data.kind)
    if kind is None or user.id is None:
        raise StaleButton
    try:
        await alerts.record_answer(session, callback_data.alert_id, user.id, kind, now=utcnow())
    except DomainError as error:
        await query.answer(error.render(user.locale), show_alert=True)
        return
    # The toast is the confirmation; the buttons stay as they are so that the answer can be changed. No
    # keyboard edit per tap: 15,000 edits in a minute would spend the bot's global sending budget (~30/s)
    # and, measured here, cost a quarter of the answer throughput.
    await query.answer(_("Merci, c'est noté : {answer}").format(answer=_(ANSWER_LABELS[kind])))
    if isinstance(query.message, Message) and kind == AnswerKind.CHECKED:
        await state.set_state(CountInput.people)
        await state.set_data({"alert_id": callback_data.alert_id})
        await query.message.answer(
            _("Merci ! Combien de personnes avez-vous appelées ou vues ? (facultatif : un nombre seulement, "
              "rien sur elles)"), reply_markup=_count_keyboard(callback_data.alert_id))


async def _record_count(session: AsyncSession, user: User, alert_id: int, count: int) -> tuple[bool, str]:
    assert user.id is not None
    try:
        await alerts.record_people_checked(session, alert_id, user.id, count, now=utcnow())
    except DomainError as error:
        return False, error.render(user.locale)
    return True, _("C'est noté : {n} personne(s). Merci pour elles !").format(n=count)


@router.callback_query(CountCb.filter())
async def count_button(query: CallbackQuery, callback_data: CountCb, session: AsyncSession, user: User,
                       state: FSMContext) -> None:
    _ok, text = await _record_count(session, user, callback_data.alert_id, callback_data.n)
    await state.clear()
    await query.answer(text, show_alert=True)


@router.message(StateFilter(CountInput.people), F.text.regexp(r"^\s*\d{1,4}\s*$"))
async def count_typed(message: Message, session: AsyncSession, user: User, state: FSMContext) -> None:
    alert_id = int((await state.get_data()).get("alert_id", 0))
    ok, text = await _record_count(session, user, alert_id, int((message.text or "0").strip()))
    if ok:
        await state.clear()
    await message.answer(text)  # when refused, the question stays open: they can try again


@router.message(StateFilter(CountInput.people), NOT_A_COMMAND)
async def count_not_a_number(message: Message, state: FSMContext) -> None:
    data = await state.get_data()
    await message.answer(_("Écrivez seulement un nombre (par exemple 3), ou touchez un bouton."),
                         reply_markup=_count_keyboard(int(data.get("alert_id", 0))))
