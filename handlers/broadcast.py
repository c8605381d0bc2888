"""/broadcast: a coordinator picks a segment, writes the texts, sees the exact count, confirms, watches."""

from __future__ import annotations

import html

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.progress import progress_keyboard, render_progress
from bot.middlewares.roles import CoordinatorOnly
from locales import N_
from models.outbox import Campaign, CampaignStatus
from models.user import User
from services import broadcast, outbox
from services.callbacks.foundation import CoordCb
from services.errors import DomainError

router = Router(name="broadcast")
router.message.middleware(CoordinatorOnly())
router.callback_query.middleware(CoordinatorOnly())

PREVIEW_CHARS = 600
MENU_LABEL = N_("📣 Diffusion")  # the coordinator-menu entry (handlers/coordinator.py COORD_ENTRIES)


class BroadcastForm(StatesGroup):
    segment = State()
    arrondissements = State()
    text_fr = State()
    text_en = State()
    confirm = State()


class SegmentCb(CallbackData, prefix="bs"):
    value: str  # all, climate, solidarity, arr, fr, en


class BroadcastCb(CallbackData, prefix="bc"):
    action: str  # same, send, stop (the form); pause, resume, cancel (a running campaign)
    campaign_id: int


def _segment_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for value, label in (("all", _("🌍 Tous les inscrits joignables")), ("climate", _("🌳 Volontaires du Climat")),
                         ("solidarity", _("🤝 Volontaires de la Solidarité")), ("arr", _("📍 Des arrondissements")),
                         ("fr", _("🇫🇷 Francophones")), ("en", _("🇬🇧 Anglophones"))):
        builder.button(text=label, callback_data=SegmentCb(value=value))
    builder.button(text=_("✖ Annuler"), callback_data=BroadcastCb(action="stop", campaign_id=0))
    builder.adjust(1)
    return builder.as_markup()


async def _start(message: Message, state: FSMContext) -> None:
    await state.clear()
    await state.set_state(BroadcastForm.segment)
    await message.answer(_("<b>Diffusion</b>\nÀ qui envoyer le message ?"), reply_markup=_segment_keyboard())


@router.message(Command("broadcast"))
async def broadcast_command(message: Message, state: FSMContext) -> None:
    await _start(message, state)


@router.callback_query(CoordCb.filter(F.item == "broadcast"))
async def broadcast_from_menu(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await _start(query.message, state)


@router.callback_query(BroadcastCb.filter(F.action == "stop"))
async def stop_form(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await query.answer(_("Diffusion abandonnée."))
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)


@router.callback_query(BroadcastForm.segment, SegmentCb.filter())
async def choose_segment(query: CallbackQuery, callback_data: SegmentCb, state: FSMContext) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    value = callback_data.value
    if value == "arr":
        await state.set_state(BroadcastForm.arrondissements)
        await query.message.answer(_("Écrivez les numéros d'arrondissement, par exemple : 11 18 20"))
        return
    segments = {"all": {}, "climate": {"network": "climate"}, "solidarity": {"network": "solidarity"},
                "fr": {"language": "fr"}, "en": {"language": "en"}}
    if value not in segments:  # forged
        await query.message.answer(_("Choisissez un public avec les boutons."), reply_markup=_segment_keyboard())
        return
    await state.update_data(segment=segments[value])
    await _ask_french(query.message, state)


@router.message(BroadcastForm.segment)
async def segment_typed(message: Message) -> None:
    await message.answer(_("Choisissez un public avec les boutons."), reply_markup=_segment_keyboard())


@router.message(BroadcastForm.arrondissements, F.text)
async def arrondissements_typed(message: Message, state: FSMContext) -> None:
    words = (message.text or "").replace(",", " ").split()
    try:
        numbers = tuple(sorted({int(word) for word in words}))
        broadcast.Segment(arrondissements=numbers)
        if not numbers:
            raise ValueError
    except ValueError:
        await message.answer(_("Écrivez des numéros entre 1 et 20, par exemple : 11 18 20"))
        return
    except DomainError as error:
        await message.answer(error.render(_locale(message)))
        return
    await state.update_data(segment={"arrondissements": list(numbers)})
    await _ask_french(message, state)


async def _ask_french(message: Message, state: FSMContext) -> None:
    await state.set_state(BroadcastForm.text_fr)
    await message.answer(_("Écrivez le message en français (ce sera le seul texte si vous n'en donnez pas "
                           "d'autre en anglais)."))


def _check_text(message: Message) -> str | None:
    """The message as Telegram HTML (keeps the coordinator's bold and links), or None when unusable."""
    if not message.text:
        return None
    text = message.html_text
    broadcast.split_text(text)  # empty or too long: DomainError with the reason
    return text


@router.message(BroadcastForm.text_fr)
async def french_text(message: Message, state: FSMContext) -> None:
    try:
        text = _check_text(message)
    except DomainError as error:
        await message.answer(error.render(_locale(message)))
        return
    if text is None:
        await message.answer(_("Envoyez du texte, s'il vous plaît."))
        return
    await state.update_data(text_fr=text)
    await state.set_state(BroadcastForm.text_en)
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Même texte pour tous"), callback_data=BroadcastCb(action="same", campaign_id=0))
    await message.answer(_("Maintenant le texte en anglais, ou touchez « Même texte pour tous »."),
                         reply_markup=builder.as_markup())


@router.message(BroadcastForm.text_en)
async def english_text(message: Message, state: FSMContext, session: AsyncSession) -> None:
    try:
        text = _check_text(message)
    except DomainError as error:
        await message.answer(error.render(_locale(message)))
        return
    if text is None:
        await message.answer(_("Envoyez du texte, s'il vous plaît."))
        return
    await state.update_data(text_en=text)
    await _preview(message, state, session)


@router.callback_query(BroadcastForm.text_en, BroadcastCb.filter(F.action == "same"))
async def same_text(query: CallbackQuery, state: FSMContext, session: AsyncSession) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    await state.update_data(text_en=None)
    await _preview(query.message, state, session)


def _segment_of(data: dict[str, object]) -> broadcast.Segment:
    raw = dict(data.get("segment") or {})  # type: ignore[call-overload]
    return broadcast.Segment(network=raw.get("network"), language=raw.get("language"),
                             arrondissements=tuple(raw.get("arrondissements") or ()))


def _short(text: str) -> str:
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS] + "…"


async def _preview(message: Message, state: FSMContext, session: AsyncSession) -> None:
    data = await state.get_data()
    segment = _segment_of(data)
    count = await broadcast.count_recipients(session, segment)
    locale = _locale(message)
    if count == 0:
        await state.clear()
        await message.answer(_("Personne ne correspond à ce public : rien n'a été envoyé."))
        return
    await state.set_state(BroadcastForm.confirm)
    # the preview shows what was typed as plain text: a cut in the middle of a tag must not break the HTML
    lines = [_("<b>Aperçu</b>"), _("Public : {segment}").format(segment=html.escape(segment.describe(locale))),
             _("Destinataires : <b>{count}</b>").format(count=count), "",
             "🇫🇷 " + html.escape(_short(str(data["text_fr"])))]
    if data.get("text_en"):
        lines += ["", "🇬🇧 " + html.escape(_short(str(data["text_en"])))]
    else:
        lines += ["", _("(le même texte pour tous)")]
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✅ Envoyer à {count}").format(count=count),
                   callback_data=BroadcastCb(action="send", campaign_id=0))
    builder.button(text=_("✖ Annuler"), callback_data=BroadcastCb(action="stop", campaign_id=0))
    builder.adjust(1)
    await message.answer("\n".join(lines), reply_markup=builder.as_markup())


@router.message(BroadcastForm.confirm)
async def confirm_typed(message: Message) -> None:
    await message.answer(_("Touchez « Envoyer » ou « Annuler » sous l'aperçu."))


@router.callback_query(BroadcastForm.confirm, BroadcastCb.filter(F.action == "send"))
async def send_broadcast(query: CallbackQuery, state: FSMContext, session: AsyncSession, user: User) -> None:
    assert isinstance(query.message, Message)
    data = await state.get_data()
    await state.clear()
    texts = {"fr": str(data["text_fr"])}
    if data.get("text_en"):
        texts["en"] = str(data["text_en"])
    locale = user.locale
    title = _("Diffusion du {date}").format(date=query.message.date.strftime("%d/%m %H:%M"))
    try:
        campaign, count = await broadcast.start_broadcast(
            session, segment=_segment_of(data), texts=texts, title=title, created_by=user.id,
            report_chat_id=query.message.chat.id)
    except DomainError as error:
        await query.answer(error.render(locale), show_alert=True)
        return
    assert campaign.id is not None
    await query.answer(_("C'est parti : {count} destinataires.").format(count=count))
    await query.message.edit_reply_markup(reply_markup=None)
    progress = await outbox.campaign_progress(session, campaign.id)
    markup = progress_keyboard(locale, campaign.id, progress)
    # committed before this call (CommitBeforeSend): the sender may already be sending
    shown = await query.message.answer(render_progress(locale, campaign.title, progress),
                                       reply_markup=InlineKeyboardMarkup.model_validate(markup) if markup else None)
    live = await session.get(Campaign, campaign.id)
    assert live is not None
    live.progress_message_id = shown.message_id


@router.callback_query(BroadcastCb.filter(F.action.in_({"pause", "resume", "cancel"})))
async def control_campaign(query: CallbackQuery, callback_data: BroadcastCb, session: AsyncSession,
                           user: User) -> None:
    campaign = await session.get(Campaign, callback_data.campaign_id)
    if campaign is None or campaign.kind != "broadcast":  # forged or deleted
        await query.answer(_("Campagne introuvable."), show_alert=True)
        return
    status = {"pause": CampaignStatus.PAUSED, "resume": CampaignStatus.RUNNING,
              "cancel": CampaignStatus.CANCELLED}[callback_data.action]
    if campaign.finished_at is not None and status != CampaignStatus.CANCELLED:
        await query.answer(_("Cette campagne est terminée."), show_alert=True)
        return
    try:
        await outbox.set_campaign_status(session, campaign.id, status)  # type: ignore[arg-type]
    except DomainError as error:
        await query.answer(error.render(user.locale), show_alert=True)
        return
    answers = {"pause": _("⏸ En pause"), "resume": _("▶️ Reprise"), "cancel": _("✖ Annulée")}
    await query.answer(answers[callback_data.action])
    progress = await outbox.campaign_progress(session, campaign.id)  # type: ignore[arg-type]
    if isinstance(query.message, Message):
        markup = progress_keyboard(user.locale, campaign.id, progress)  # type: ignore[arg-type]
        await query.message.edit_text(render_progress(user.locale, campaign.title, progress),
                                      reply_markup=InlineKeyboardMarkup.model_validate(markup) if markup else None)


def _locale(message: Message) -> str:
    from aiogram.utils.i18n import get_i18n

    return get_i18n().current_locale
