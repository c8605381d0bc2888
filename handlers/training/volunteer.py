"""Trainings for volunteers: upcoming sessions of their networks, a session's page, book (with an .ics),
the wait list, "My bookings" and cancelling. Coordinators' screens are in handlers/training/coordinator.py.
"""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.middlewares.roles import SignedUpOnly, guard
from handlers.ui import Button, drop_keyboard, inline_keyboard, menu_button, pager_row, show, tapped_message
from locales.formatting import format_when
from models.base import utcnow
from models.training import BookingStatus, Training, TrainingStatus
from models.user import User
from services.callbacks.foundation import MenuCb
from services.callbacks.training import ReplyCb, TrainingCb
from services.timing import to_paris
from services.training import sessions as trainings
from services.training.access import access_calendar, access_training
from services.training.announcements import set_announcements, wants_announcements
from services.training.calendar_files import ics_filename, training_ics

router = guard(Router(name="training"), SignedUpOnly())

_BUTTON_TITLE = 40  # keeps a session's button on one line on a phone


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


def title_button(training: Training, locale: str) -> str:
    title = training.title(locale)
    if len(title) > _BUTTON_TITLE:
        title = title[: _BUTTON_TITLE - 1] + "…"
    return f"{short_when(training)} · {title}"


def _mine_and_menu() -> list[Button]:
    return [(_("🎟 Mes réservations"), TrainingCb(action="mine")), menu_button()]


# -- the list --------------------------------------------------------------------------------------------

async def _list_view(session: AsyncSession, user: User, page: int) -> tuple[str, InlineKeyboardMarkup]:
    found, total = await trainings.upcoming_for_user(session, user, utcnow(), page)
    pages = max((total + trainings.PAGE_SIZE - 1) // trainings.PAGE_SIZE, 1)
    page = min(max(page, 0), pages - 1)
    if page and not found:  # the list shrank since this button was drawn
        found, total = await trainings.upcoming_for_user(session, user, utcnow(), page)
    rows: list[list[Button]] = []
    if not found:
        text = _("<b>Formations</b>\nAucune formation à venir pour vos réseaux pour le moment. Nous vous "
                 "préviendrons des prochaines.")
    else:
        lines = [_("<b>Formations à venir</b> (page {page}/{pages})").format(page=page + 1, pages=pages)]
        for training in found:
            lines.append(f"• <b>{escape(training.title(user.locale))}</b>\n  "
                         f"{format_when(training.starts_at, user.locale)} · {seats_text(training)}")
            rows.append([(title_button(training, user.locale),
                          TrainingCb(action="show", id=training.id or 0, page=page))])
        lines.append(_("Touchez une formation pour la voir et réserver."))
        text = "\n".join(lines)
    rows.append(pager_row(page, pages, lambda target: TrainingCb(action="list", page=target)))
    assert user.id is not None
    announced = await wants_announcements(session, user.id)
    rows.append([(_("🔔 Annonces : oui") if announced else _("🔕 Annonces : non"),
                  TrainingCb(action="notify", page=page))])
    rows.append(_mine_and_menu())
    return text, inline_keyboard(rows)


@router.callback_query(TrainingCb.filter(F.action == "notify"))
async def toggle_announcements(query: CallbackQuery, callback_data: TrainingCb, session: AsyncSession,
                               user: User) -> None:
    """New sessions announced to me, or not (on by default)."""
    assert user.id is not None
    on = not await wants_announcements(session, user.id)
    await set_announcements(session, user.id, on, utcnow())
    text, markup = await _list_view(session, user, callback_data.page)
    await query.answer(_("Vous serez prévenu des nouvelles formations.") if on
                       else _("Vous ne serez plus prévenu des nouvelles formations."))
    await show(query, text, markup, edit=True)


@router.callback_query(MenuCb.filter(F.item == "training"))
async def open_from_menu(query: CallbackQuery, session: AsyncSession, user: User) -> None:
    text, markup = await _list_view(session, user, 0)
    await query.answer()
    await show(query, text, markup, edit=False)


@router.message(Command("trainings"))
async def trainings_command(message: Message, session: AsyncSession, user: User) -> None:
    text, markup = await _list_view(session, user, 0)
    await show(message, text, markup, edit=False)


@router.callback_query(TrainingCb.filter(F.action == "list"))
async def list_page(query: CallbackQuery, callback_data: TrainingCb, session: AsyncSession, user: User) -> None:
    text, markup = await _list_view(session, user, callback_data.page)
    await query.answer()
    await show(query, text, markup, edit=True)


# -- one session -----------------------------------------------------------------------------------------

async def _detail_view(session: AsyncSession, training: Training, user: User,
                       page: int) -> tuple[str, InlineKeyboardMarkup]:
    assert training.id is not None and user.id is not None
    booking = await trainings.get_booking(session, training.id, user.id)
    text = training_card(training, user.locale)
    status = booking.status if booking is not None else None
    if status == BookingStatus.BOOKED:
        text += "\n\n" + _("✅ Vous avez une place.")
        action = (_("Annuler ma réservation"), TrainingCb(action="cancel", id=training.id))
    elif status == BookingStatus.WAITLISTED and booking is not None:
        position = await trainings.waitlist_position(session, booking)
        text += "\n\n" + _("⏳ Vous êtes n° {position} sur la liste d'attente.").format(position=position)
        action = (_("Quitter la liste d'attente"), TrainingCb(action="cancel", id=training.id))
    elif training.seats_left > 0:
        action = (_("✅ Réserver une place"), TrainingCb(action="book", id=training.id))
    else:
        action = (_("⏳ Rejoindre la liste d'attente"), TrainingCb(action="book", id=training.id))
    return text, inline_keyboard([[action], [(_("« Formations"), TrainingCb(action="list", page=page)),
                                             (_("🎟 Mes réservations"), TrainingCb(action="mine"))]])


@router.callback_query(TrainingCb.filter(F.action == "show"))
async def show_training(query: CallbackQuery, callback_data: TrainingCb, session: AsyncSession, user: User) -> None:
    training = await access_training(session, user, callback_data.id, utcnow())
    text, markup = await _detail_view(session, training, user, callback_data.page)
    await query.answer()
    await show(query, text, markup, edit=True)


@router.callback_query(TrainingCb.filter(F.action == "book"))
async def book(query: CallbackQuery, callback_data: TrainingCb, session: AsyncSession, user: User) -> None:
    now = utcnow()
    result = await trainings.book_seat(session, callback_data.id, user, now)
    if result.already:
        text = _("Vous avez déjà une place.") if result.status == BookingStatus.BOOKED else \
            _("Vous êtes déjà n° {position} sur la liste d'attente.").format(position=result.position)
        await query.answer(text, show_alert=True)
        return
    training = await trainings.get_training(session, callback_data.id)
    assert training is not None
    message = tapped_message(query)
    markup = inline_keyboard([_mine_and_menu()])
    if result.status == BookingStatus.WAITLISTED:
        await query.answer(_("Liste d'attente : n° {position}").format(position=result.position))
        await message.answer(_(
            "⏳ La formation « {title} » est complète. Vous êtes n° {position} sur la liste d'attente : si une "
            "place se libère, elle vous est attribuée automatiquement et nous vous prévenons."
        ).format(title=escape(training.title(user.locale)), position=result.position), reply_markup=markup)
        return
    await query.answer(_("C'est réservé !"))
    caption = _("✅ C'est réservé : « {title} », {when}.\nOù : {where}\nAjoutez-la à votre agenda avec le "
                "fichier ci-joint.").format(title=escape(training.title(user.locale)),
                                           when=format_when(training.starts_at, user.locale),
                                           where=where_text(training))
    document = BufferedInputFile(training_ics(training, user.locale, now), filename=ics_filename(training))
    await message.answer_document(document, caption=caption, reply_markup=markup)


@router.callback_query(TrainingCb.filter(F.action == "cancel"))
async def ask_cancel(query: CallbackQuery, callback_data: TrainingCb, session: AsyncSession, user: User) -> None:
    training = await access_training(session, user, callback_data.id, utcnow())
    status = await trainings.held_booking(session, callback_data.id, user)
    message = tapped_message(query)
    await query.answer()
    question = _("Annuler votre place pour « {title} » ? Elle sera donnée à la première personne en attente.") \
        if status == BookingStatus.BOOKED else \
        _("Quitter la liste d'attente de « {title} » ?")
    await message.answer(question.format(title=escape(training.title(user.locale))), reply_markup=inline_keyboard([[
        (_("Oui, annuler"), TrainingCb(action="drop", id=callback_data.id)),
        (_("Non, garder"), TrainingCb(action="show", id=callback_data.id))]]))


@router.callback_query(TrainingCb.filter(F.action == "drop"))
async def confirm_cancel(query: CallbackQuery, callback_data: TrainingCb, session: AsyncSession, user: User) -> None:
    training = await access_training(session, user, callback_data.id, utcnow())
    was = await trainings.cancel_booking(session, callback_data.id, user, utcnow())
    message = tapped_message(query)
    await query.answer()
    await drop_keyboard(message)
    text = _("C'est annulé : votre place pour « {title} » est libérée. Merci de l'avoir signalé !") \
        if was == BookingStatus.BOOKED else _("Vous avez quitté la liste d'attente de « {title} ».")
    await message.answer(text.format(title=escape(training.title(user.locale))), reply_markup=inline_keyboard(
        [[(_("« Formations"), TrainingCb(action="list")), menu_button()]]))


# -- my bookings -----------------------------------------------------------------------------------------

@router.callback_query(TrainingCb.filter(F.action == "mine"))
async def my_bookings(query: CallbackQuery, session: AsyncSession, user: User) -> None:
    assert user.id is not None
    # a keyboard holds 100 buttons and a message 4096 characters: the soonest twenty are plenty
    found = (await trainings.bookings_of(session, user.id, utcnow()))[:20]
    attended = await trainings.trainings_attended(session, user.id)
    lines = [_("<b>Mes réservations</b>")]
    rows: list[list[Button]] = []
    if not found:
        lines.append(_("Aucune réservation à venir."))
    for training, booking, position in found:
        state = _("✅ place réservée") if booking.status == BookingStatus.BOOKED else \
            _("⏳ liste d'attente, n° {position}").format(position=position)
        lines.append(f"• <b>{escape(training.title(user.locale))}</b>\n  "
                     f"{format_when(training.starts_at, user.locale)} · {state}")
        rows.append([(title_button(training, user.locale), TrainingCb(action="show", id=training.id or 0))])
    lines.append("")
    lines.append(_("Formations suivies : {n}").format(n=attended))
    rows.append([(_("« Formations"), TrainingCb(action="list")), menu_button()])
    await query.answer()
    await show(query, "\n".join(lines), inline_keyboard(rows), edit=False)


# -- calendar files, the day before, after ---------------------------------------------------------------

@router.callback_query(TrainingCb.filter(F.action == "ics"))
async def calendar_file(query: CallbackQuery, callback_data: TrainingCb, session: AsyncSession, user: User) -> None:
    """The session's calendar file as it is now: moved (same UID, higher SEQUENCE) or cancelled (METHOD:CANCEL)."""
    training = await access_calendar(session, user, callback_data.id)
    message = tapped_message(query)
    await query.answer()
    caption = _("❌ Fichier d'annulation : « {title} » disparaît de votre agenda.") \
        if training.status == TrainingStatus.CANCELLED else \
        _("📅 « {title} », {when}. Ouvrez ce fichier : votre agenda se met à jour.")
    await message.answer_document(
        BufferedInputFile(training_ics(training, user.locale, utcnow()), filename=ics_filename(training)),
        caption=caption.format(title=escape(training.title(user.locale)),
                               when=format_when(training.starts_at, user.locale)))


@router.callback_query(ReplyCb.filter(F.answer.in_({"coming", "notcoming"})))
async def day_before(query: CallbackQuery, callback_data: ReplyCb, session: AsyncSession, user: User) -> None:
    training = await access_training(session, user, callback_data.id, utcnow())
    coming = callback_data.answer == "coming"
    await trainings.answer_day_before(session, callback_data.id, user, coming, utcnow())
    message = tapped_message(query)
    await query.answer()
    await drop_keyboard(message)
    text = _("Merci ! À bientôt à « {title} ».") if coming else \
        _("C'est noté : votre place pour « {title} » est libérée et donnée à la première personne en attente. "
          "Merci de l'avoir signalé !")
    await message.answer(text.format(title=escape(training.title(user.locale))))


@router.callback_query(ReplyCb.filter(F.answer.in_({"1", "2", "3"})))
async def feedback(query: CallbackQuery, callback_data: ReplyCb, session: AsyncSession, user: User) -> None:
    await trainings.rate(session, callback_data.id, user, int(callback_data.answer), utcnow())
    message = tapped_message(query)
    await query.answer(_("Merci pour votre avis !"))
    await drop_keyboard(message)
