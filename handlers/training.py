"""Trainings for volunteers: upcoming sessions of their networks, a session's page, book (with an .ics),
the wait list, "My bookings" and cancelling. Coordinators' screens are in handlers/training_coordinator.py.
"""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.ui import drop_keyboard
from locales.formatting import format_when
from models.base import utcnow
from models.training import BookingStatus, Training, TrainingStatus
from models.user import User
from services import training as trainings
from services.calendar_files import ics_filename, training_ics
from services.callbacks.foundation import MenuCb
from services.errors import DomainError
from services.timing import to_paris

router = Router(name="training")

_BUTTON_TITLE = 40  # keeps a session's button on one line on a phone


class TrainingCb(CallbackData, prefix="tr"):
    """list (page), show, book, cancel (asks), drop (confirmed cancel), mine."""

    action: str
    id: int = 0
    page: int = 0


# -- texts shared with the coordinator screens -----------------------------------------------------------

def duration_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


def where_text(training: Training) -> str:
    if training.online_url:
        return _("En ligne : {url}").format(url=escape(training.online_url))
    return escape(training.place or "—")


def short_when(training: Training) -> str:
    return to_paris(training.starts_at).strftime("%d/%m %H:%M")


def seats_text(training: Training) -> str:
    if training.status == TrainingStatus.CANCELLED:
        return _("❌ Annulée")
    if training.seats_left == 0:
        return _("Complet (liste d'attente ouverte)")
    return ngettext("{n} place restante", "{n} places restantes", training.seats_left).format(n=training.seats_left)


def training_card(training: Training, locale: str) -> str:
    """A session's page: title, networks, when, how long, where, seats and description."""
    lines = [
        f"<b>{escape(training.title(locale))}</b>",
        _("Thème : {theme}").format(theme=escape(training.theme)),
        _("Pour : {networks}").format(networks=trainings.network_label(locale, training)),
        _("Quand : {when} ({duration})").format(when=format_when(training.starts_at, locale),
                                                duration=duration_text(training.duration_minutes)),
        _("Où : {where}").format(where=where_text(training)),
        _("Places : {seats}").format(seats=seats_text(training)),
    ]
    description = training.description(locale)
    if description:
        lines += ["", escape(description)]
    return "\n".join(lines)


def _title_button(training: Training, locale: str) -> str:
    title = training.title(locale)
    if len(title) > _BUTTON_TITLE:
        title = title[: _BUTTON_TITLE - 1] + "…"
    return f"{short_when(training)} · {title}"


def _tapped_message(query: CallbackQuery) -> Message | None:
    return query.message if isinstance(query.message, Message) else None


async def _show(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup, *, edit: bool) -> None:
    """Edit the tapped message in place when paging, else answer with a new one."""
    message = _tapped_message(query)
    if message is None:
        return
    if edit:
        try:
            await message.edit_text(text, reply_markup=markup)
            return
        except TelegramBadRequest as error:
            if "not modified" in error.message:  # a double tap: it already shows this
                return
            # too old to edit (48 h) or not a text message: a new message does as well
    await message.answer(text, reply_markup=markup)


# -- the list --------------------------------------------------------------------------------------------

async def _list_view(session: AsyncSession, user: User, page: int) -> tuple[str, InlineKeyboardMarkup]:
    found, total = await trainings.upcoming_for_user(session, user, utcnow(), page)
    pages = max((total + trainings.PAGE_SIZE - 1) // trainings.PAGE_SIZE, 1)
    page = min(max(page, 0), pages - 1)
    if page and not found:  # the list shrank since this button was drawn
        found, total = await trainings.upcoming_for_user(session, user, utcnow(), page)
    builder = InlineKeyboardBuilder()
    if not found:
        text = _("<b>Formations</b>\nAucune formation à venir pour vos réseaux pour le moment. Nous vous "
                 "préviendrons des prochaines.")
    else:
        lines = [_("<b>Formations à venir</b> (page {page}/{pages})").format(page=page + 1, pages=pages)]
        for training in found:
            lines.append(f"• <b>{escape(training.title(user.locale))}</b>\n  "
                         f"{format_when(training.starts_at, user.locale)} · {seats_text(training)}")
            builder.button(text=_title_button(training, user.locale),
                           callback_data=TrainingCb(action="show", id=training.id or 0, page=page))
        lines.append(_("Touchez une formation pour la voir et réserver."))
        text = "\n".join(lines)
    sizes = [1] * len(found)
    navigation = 0
    if page > 0:
        builder.button(text=_("« Précédentes"), callback_data=TrainingCb(action="list", page=page - 1))
        navigation += 1
    if page + 1 < pages:
        builder.button(text=_("Suivantes »"), callback_data=TrainingCb(action="list", page=page + 1))
        navigation += 1
    if navigation:
        sizes.append(navigation)
    builder.button(text=_("🎟 Mes réservations"), callback_data=TrainingCb(action="mine"))
    builder.button(text=_("☰ Menu"), callback_data=MenuCb(item="home"))
    sizes.append(2)
    builder.adjust(*sizes)
    return text, builder.as_markup()


async def _require_signed_up(query: CallbackQuery, user: User) -> bool:
    if user.is_signed_up:
        return True
    await query.answer(_("Vous n'êtes pas encore inscrit : tapez /start."), show_alert=True)
    return False


@router.callback_query(MenuCb.filter(F.item == "training"))
async def open_from_menu(query: CallbackQuery, session: AsyncSession, user: User) -> None:
    if not await _require_signed_up(query, user):
        return
    await query.answer()
    text, markup = await _list_view(session, user, 0)
    await _show(query, text, markup, edit=False)


@router.message(Command("trainings"))
async def trainings_command(message: Message, session: AsyncSession, user: User) -> None:
    if not user.is_signed_up:
        await message.answer(_("Vous n'êtes pas encore inscrit : tapez /start."))
        return
    text, markup = await _list_view(session, user, 0)
    await message.answer(text, reply_markup=markup)


@router.callback_query(TrainingCb.filter(F.action == "list"))
async def list_page(query: CallbackQuery, callback_data: TrainingCb, session: AsyncSession, user: User) -> None:
    if not await _require_signed_up(query, user):
        return
    await query.answer()
    text, markup = await _list_view(session, user, callback_data.page)
    await _show(query, text, markup, edit=True)


# -- one session -----------------------------------------------------------------------------------------

async def _detail_view(session: AsyncSession, training: Training, user: User,
                       page: int) -> tuple[str, InlineKeyboardMarkup]:
    assert training.id is not None and user.id is not None
    booking = await trainings.get_booking(session, training.id, user.id)
    text = training_card(training, user.locale)
    builder = InlineKeyboardBuilder()
    status = booking.status if booking is not None else None
    if status == BookingStatus.BOOKED:
        text += "\n\n" + _("✅ Vous avez une place.")
        builder.button(text=_("Annuler ma réservation"), callback_data=TrainingCb(action="cancel", id=training.id))
    elif status == BookingStatus.WAITLISTED and booking is not None:
        position = await trainings.waitlist_position(session, booking)
        text += "\n\n" + _("⏳ Vous êtes n° {position} sur la liste d'attente.").format(position=position)
        builder.button(text=_("Quitter la liste d'attente"), callback_data=TrainingCb(action="cancel", id=training.id))
    elif training.seats_left > 0:
        builder.button(text=_("✅ Réserver une place"), callback_data=TrainingCb(action="book", id=training.id))
    else:
        builder.button(text=_("⏳ Rejoindre la liste d'attente"),
                       callback_data=TrainingCb(action="book", id=training.id))
    builder.button(text=_("« Formations"), callback_data=TrainingCb(action="list", page=page))
    builder.button(text=_("🎟 Mes réservations"), callback_data=TrainingCb(action="mine"))
    builder.adjust(1, 2)
    return text, builder.as_markup()


async def _visible_training(query: CallbackQuery, session: AsyncSession, user: User,
                            training_id: int) -> Training | None:
    """The session if this volunteer may see it now; otherwise say why (forged, old or closed button)."""
    training = await trainings.get_training(session, training_id)
    if training is not None and not trainings.open_to(training, user) and user.id is not None:
        # someone who left the network since booking can still see and cancel that booking
        booking = await trainings.get_booking(session, training_id, user.id)
        if booking is None or booking.status == BookingStatus.CANCELLED:
            training = None
    if training is None:
        await query.answer(_("Cette formation n'existe pas ou n'est pas ouverte à vos réseaux."), show_alert=True)
        return None
    if training.status == TrainingStatus.CANCELLED:
        await query.answer(_("Cette formation a été annulée."), show_alert=True)
        return None
    if training.starts_at <= utcnow():
        await query.answer(_("Cette formation a déjà eu lieu."), show_alert=True)
        return None
    return training


@router.callback_query(TrainingCb.filter(F.action == "show"))
async def show_training(query: CallbackQuery, callback_data: TrainingCb, session: AsyncSession, user: User) -> None:
    if not await _require_signed_up(query, user):
        return
    training = await _visible_training(query, session, user, callback_data.id)
    if training is None:
        return
    await query.answer()
    text, markup = await _detail_view(session, training, user, callback_data.page)
    await _show(query, text, markup, edit=True)


@router.callback_query(TrainingCb.filter(F.action == "book"))
async def book(query: CallbackQuery, callback_data: TrainingCb, session: AsyncSession, user: User) -> None:
    if not await _require_signed_up(query, user):
        return
    now = utcnow()
    try:
        result = await trainings.book_seat(session, callback_data.id, user, now)
    except DomainError as error:
        await query.answer(error.render(user.locale), show_alert=True)
        return
    message = _tapped_message(query)
    if result.already:
        text = _("Vous avez déjà une place.") if result.status == BookingStatus.BOOKED else \
            _("Vous êtes déjà n° {position} sur la liste d'attente.").format(position=result.position)
        await query.answer(text, show_alert=True)
        return
    training = await trainings.get_training(session, callback_data.id)
    assert training is not None
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🎟 Mes réservations"), callback_data=TrainingCb(action="mine"))
    builder.button(text=_("☰ Menu"), callback_data=MenuCb(item="home"))
    builder.adjust(2)
    if result.status == BookingStatus.WAITLISTED:
        await query.answer(_("Liste d'attente : n° {position}").format(position=result.position))
        if message is not None:
            await message.answer(_(
                "⏳ La formation « {title} » est complète. Vous êtes n° {position} sur la liste d'attente : si une "
                "place se libère, elle vous est attribuée automatiquement et nous vous prévenons."
            ).format(title=escape(training.title(user.locale)), position=result.position),
                reply_markup=builder.as_markup())
        return
    await query.answer(_("C'est réservé !"))
    if message is not None:
        caption = _("✅ C'est réservé : « {title} », {when}.\nOù : {where}\nAjoutez-la à votre agenda avec le "
                    "fichier ci-joint.").format(title=escape(training.title(user.locale)),
                                               when=format_when(training.starts_at, user.locale),
                                               where=where_text(training))
        document = BufferedInputFile(training_ics(training, user.locale, now), filename=ics_filename(training))
        await message.answer_document(document, caption=caption, reply_markup=builder.as_markup())


@router.callback_query(TrainingCb.filter(F.action == "cancel"))
async def ask_cancel(query: CallbackQuery, callback_data: TrainingCb, session: AsyncSession, user: User) -> None:
    if not await _require_signed_up(query, user):
        return
    training = await _visible_training(query, session, user, callback_data.id)
    if training is None:
        return
    assert user.id is not None
    booking = await trainings.get_booking(session, callback_data.id, user.id)
    if booking is None or booking.status == BookingStatus.CANCELLED:
        await query.answer(_("Vous n'avez pas de réservation pour cette formation."), show_alert=True)
        return
    await query.answer()
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Oui, annuler"), callback_data=TrainingCb(action="drop", id=callback_data.id))
    builder.button(text=_("Non, garder"), callback_data=TrainingCb(action="show", id=callback_data.id))
    builder.adjust(2)
    question = _("Annuler votre place pour « {title} » ? Elle sera donnée à la première personne en attente.") \
        if booking.status == BookingStatus.BOOKED else \
        _("Quitter la liste d'attente de « {title} » ?")
    message = _tapped_message(query)
    if message is not None:
        await message.answer(question.format(title=escape(training.title(user.locale))),
                             reply_markup=builder.as_markup())


@router.callback_query(TrainingCb.filter(F.action == "drop"))
async def confirm_cancel(query: CallbackQuery, callback_data: TrainingCb, session: AsyncSession, user: User) -> None:
    if not await _require_signed_up(query, user):
        return
    training = await _visible_training(query, session, user, callback_data.id)
    if training is None:
        return
    try:
        was = await trainings.cancel_booking(session, callback_data.id, user, utcnow())
    except DomainError as error:
        await query.answer(error.render(user.locale), show_alert=True)
        return
    await query.answer()
    message = _tapped_message(query)
    if message is not None:
        await drop_keyboard(message)
        text = _("C'est annulé : votre place pour « {title} » est libérée. Merci de l'avoir signalé !") \
            if was == BookingStatus.BOOKED else _("Vous avez quitté la liste d'attente de « {title} ».")
        builder = InlineKeyboardBuilder()
        builder.button(text=_("« Formations"), callback_data=TrainingCb(action="list"))
        builder.button(text=_("☰ Menu"), callback_data=MenuCb(item="home"))
        await message.answer(text.format(title=escape(training.title(user.locale))), reply_markup=builder.as_markup())


# -- my bookings -----------------------------------------------------------------------------------------

@router.callback_query(TrainingCb.filter(F.action == "mine"))
async def my_bookings(query: CallbackQuery, session: AsyncSession, user: User) -> None:
    if not await _require_signed_up(query, user):
        return
    await query.answer()
    assert user.id is not None
    # a keyboard holds 100 buttons and a message 4096 characters: the soonest twenty are plenty
    rows = (await trainings.bookings_of(session, user.id, utcnow()))[:20]
    attended = await trainings.trainings_attended(session, user.id)
    lines = [_("<b>Mes réservations</b>")]
    builder = InlineKeyboardBuilder()
    if not rows:
        lines.append(_("Aucune réservation à venir."))
    for training, booking, position in rows:
        state = _("✅ place réservée") if booking.status == BookingStatus.BOOKED else \
            _("⏳ liste d'attente, n° {position}").format(position=position)
        lines.append(f"• <b>{escape(training.title(user.locale))}</b>\n  "
                     f"{format_when(training.starts_at, user.locale)} · {state}")
        builder.button(text=_title_button(training, user.locale),
                       callback_data=TrainingCb(action="show", id=training.id or 0))
    lines.append("")
    lines.append(_("Formations suivies : {n}").format(n=attended))
    builder.button(text=_("« Formations"), callback_data=TrainingCb(action="list"))
    builder.button(text=_("☰ Menu"), callback_data=MenuCb(item="home"))
    builder.adjust(*([1] * len(rows)), 2)
    await _show(query, "\n".join(lines), builder.as_markup(), edit=False)

