"""Trainings for coordinators: the creation and edit form, cancelling (with the count of people told), who is
booked and waiting, one-tap attendance and the CSV export. The router's guard lets coordinators only.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from html import escape
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.middlewares.roles import CoordinatorOnly, guard
from handlers.forms import Choice, Form, FormContext, Step
from handlers.training.volunteer import duration_text, seats_text, short_when, training_card
from handlers.ui import Button, drop_keyboard, inline_keyboard, page_of, pager_row, show, tapped_message
from locales import N_
from locales.formatting import format_when
from models.base import utcnow
from models.training import BookingStatus, Training, TrainingStatus
from models.user import User
from services.callbacks.foundation import CoordCb, MenuCb
from services.callbacks.training import AdminCb
from services.errors import DomainError
from services.training import inputs
from services.training import sessions as trainings
from services.training.access import access_attendance, access_managed
from services.training.announcements import announce

PAGE_SIZE = 10  # keeps the list message well under Telegram's 4096 characters
PRESENCE_PAGE = 25

router = guard(Router(name="training_coordinator"), CoordinatorOnly())

NETWORK_CHOICES = {"climate": ["climate"], "solidarity": ["solidarity"], "both": ["climate", "solidarity"]}
TYPED_NETWORKS = {"climat": "climate", "climate": "climate", "solidarité": "solidarity", "solidarite": "solidarity",
                  "solidarity": "solidarity", "les deux": "both", "both": "both", "deux": "both"}
DURATIONS = {"60": "1 h", "90": "1 h 30", "120": "2 h", "180": "3 h"}


def _title(training: Training) -> str:
    """The title in the coordinator's own language."""
    return training.title(get_i18n().current_locale)


# -- the list and one session ----------------------------------------------------------------------------

async def _list_view(session: AsyncSession, page: int) -> tuple[str, InlineKeyboardMarkup]:
    found, total = await trainings.coordinator_trainings(session, utcnow(), page, PAGE_SIZE)
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    lines = [_("<b>Formations</b> (à venir et des 30 derniers jours)")]
    if pages > 1:
        lines[0] += f" · {page + 1}/{pages}"
    if not found:
        lines.append(_("Aucune formation pour le moment."))
    rows: list[list[Button]] = []
    for training in found:
        lines.append(f"• {short_when(training)} · <b>{escape(_title(training))}</b> · "
                     f"{training.booked_count}/{training.capacity} · {seats_text(training)}")
        label = f"{short_when(training)} · {_title(training)[:40]}"
        rows.append([(label, AdminCb(action="show", id=training.id or 0))])
    rows.append(pager_row(page, pages, lambda target: AdminCb(action="page", page=target)))
    rows.append([(_("➕ Nouvelle formation"), AdminCb(action="new"))])
    rows.append([(_("« Menu coordinateur"), MenuCb(item="coord"))])
    return "\n".join(lines), inline_keyboard(rows)


@router.callback_query(CoordCb.filter(F.item == "trainings"))
async def open_list(query: CallbackQuery, session: AsyncSession) -> None:
    text, markup = await _list_view(session, 0)
    await query.answer()
    await show(query, text, markup, edit=False)


@router.callback_query(AdminCb.filter(F.action.in_({"list", "page"})))
async def list_page(query: CallbackQuery, callback_data: AdminCb, session: AsyncSession) -> None:
    """"list" answers with the list (from a session's page); "page" turns the page in place."""
    text, markup = await _list_view(session, callback_data.page)
    await query.answer()
    await show(query, text, markup, edit=callback_data.action == "page")


def _admin_keyboard(training: Training, now: datetime) -> InlineKeyboardMarkup:
    assert training.id is not None
    rows: list[list[Button]] = [[(_("👥 Inscrits et attente"), AdminCb(action="people", id=training.id))]]
    if training.starts_at <= now:
        rows.append([(_("✅ Présences"), AdminCb(action="presence", id=training.id))])
    elif training.status == TrainingStatus.SCHEDULED:
        rows.append([(_("✏️ Modifier"), AdminCb(action="edit", id=training.id))])
        rows.append([(_("❌ Annuler la formation"), AdminCb(action="cancel", id=training.id))])
    rows.append([(_("📄 Export CSV"), AdminCb(action="export", id=training.id))])
    rows.append([(_("« Formations"), AdminCb(action="list"))])
    return inline_keyboard(rows)


async def _send_admin_card(message: Message, training: Training, locale: str) -> None:
    text = training_card(training, locale) + "\n\n" + _("Réservées : {booked}/{capacity}").format(
        booked=training.booked_count, capacity=training.capacity)
    await message.answer(text, reply_markup=_admin_keyboard(training, utcnow()))


@router.callback_query(AdminCb.filter(F.action == "show"))
async def show_training(query: CallbackQuery, callback_data: AdminCb, session: AsyncSession, user: User) -> None:
    training = await access_managed(session, callback_data.id)
    message = tapped_message(query)
    await query.answer()
    await _send_admin_card(message, training, user.locale)


@router.callback_query(AdminCb.filter(F.action == "people"))
async def people(query: CallbackQuery, callback_data: AdminCb, session: AsyncSession) -> None:
    training = await access_managed(session, callback_data.id)
    message = tapped_message(query)
    everyone = await trainings.participants(session, callback_data.id)
    booked = [p for p in everyone if p.status == BookingStatus.BOOKED]
    waiting = [p for p in everyone if p.status == BookingStatus.WAITLISTED]
    booked_names = [f"{n}. {escape(p.name)}" for n, p in enumerate(booked, 1)]
    waiting_names = [f"{p.position}. {escape(p.name)}" for p in waiting]
    # Both lists share one message of at most 4096 characters; the CSV export has everyone.
    lines = [f"<b>{escape(_title(training))}</b>",
             _("<b>Inscrits</b> ({booked}/{capacity})").format(booked=len(booked), capacity=training.capacity),
             *_fit(booked_names, 1800),
             _("<b>Liste d'attente</b> ({count})").format(count=len(waiting)),
             *_fit(waiting_names, 1800)]
    await query.answer()
    await message.answer("\n".join(lines), reply_markup=_admin_keyboard(training, utcnow()))


def _fit(names: list[str], budget: int) -> list[str]:
    """As many lines as fit in `budget` characters, then "…"; "—" for none."""
    kept: list[str] = []
    used = 0
    for name in names:
        used += len(name) + 1
        if used > budget:
            return [*kept, "…"]
        kept.append(name)
    return kept or ["—"]


@router.callback_query(AdminCb.filter(F.action == "export"))
async def export(query: CallbackQuery, callback_data: AdminCb, session: AsyncSession, user: User) -> None:
    training = await access_managed(session, callback_data.id)
    message = tapped_message(query)
    data = await trainings.export_csv(session, callback_data.id, user.locale)
    await query.answer()
    await message.answer_document(
        BufferedInputFile(data, filename=f"formation-{training.id}.csv"),
        caption=_("Liste des inscrits : {title}").format(title=escape(_title(training))))


# -- cancelling a session --------------------------------------------------------------------------------

@router.callback_query(AdminCb.filter(F.action == "cancel"))
async def ask_cancel(query: CallbackQuery, callback_data: AdminCb, session: AsyncSession) -> None:
    training = await access_managed(session, callback_data.id)
    message = tapped_message(query)
    count = await trainings.people_to_tell(session, callback_data.id)
    await query.answer()
    question = ngettext("Annuler « {title} » ? La personne inscrite ou en attente sera prévenue.",
                        "Annuler « {title} » ? Les {count} personnes inscrites ou en attente seront prévenues.",
                        count)
    await message.answer(question.format(title=escape(_title(training)), count=count), reply_markup=inline_keyboard([[
        (_("Oui, annuler la formation"), AdminCb(action="kill", id=callback_data.id)),
        (_("Non"), AdminCb(action="show", id=callback_data.id))]]))


@router.callback_query(AdminCb.filter(F.action == "kill"))
async def confirm_cancel(query: CallbackQuery, callback_data: AdminCb, session: AsyncSession) -> None:
    told = await trainings.cancel_training(session, callback_data.id, utcnow())
    message = tapped_message(query)
    await query.answer()
    await drop_keyboard(message)
    await message.answer(ngettext("Formation annulée. {count} personne va être prévenue.",
                                  "Formation annulée. {count} personnes vont être prévenues.", told)
                         .format(count=told))


# -- attendance ------------------------------------------------------------------------------------------

def _presence_keyboard(training: Training, booked: list[trainings.Participant], page: int) -> InlineKeyboardMarkup:
    """One button per booked person, a page at a time (Telegram allows 100 buttons per keyboard)."""
    shown, page, pages = page_of(booked, page, PRESENCE_PAGE)
    assert training.id is not None
    training_id = training.id
    rows: list[list[Button]] = [
        [(f"{ {None: '⬜', True: '✅', False: '❌'}[person.attended]} {person.name}",
          AdminCb(action="mark", id=training_id, booking=person.booking_id, page=page))] for person in shown]
    rows.append(pager_row(page, pages, lambda target: AdminCb(action="sheet", id=training_id, page=target)))
    rows.append([(_("« Formation"), AdminCb(action="show", id=training_id))])
    return inline_keyboard(rows)


async def _edit_markup(message: Message, markup: InlineKeyboardMarkup) -> None:
    """Redraw the buttons; a double tap asks for the same drawing twice, which Telegram refuses as "not modified"."""
    try:
        await message.edit_reply_markup(reply_markup=markup)
    except TelegramBadRequest as error:
        if "not modified" not in error.message:
            raise


async def _booked(session: AsyncSession, training_id: int) -> list[trainings.Participant]:
    return [p for p in await trainings.participants(session, training_id) if p.status == BookingStatus.BOOKED]


@router.callback_query(AdminCb.filter(F.action.in_({"presence", "sheet"})))
async def presence(query: CallbackQuery, callback_data: AdminCb, session: AsyncSession) -> None:
    """"presence" opens the sheet; "sheet" turns its page in place."""
    training = await access_attendance(session, callback_data.id, utcnow())
    message = tapped_message(query)
    markup = _presence_keyboard(training, await _booked(session, callback_data.id), callback_data.page)
    await query.answer()
    if callback_data.action == "sheet":
        await _edit_markup(message, markup)
        return
    await message.answer(
        _("<b>Présences</b> : {title}\nTouchez une personne : ⬜ pas encore noté, ✅ présent, ❌ absent.")
        .format(title=escape(_title(training))), reply_markup=markup)


@router.callback_query(AdminCb.filter(F.action == "mark"))
async def mark(query: CallbackQuery, callback_data: AdminCb, session: AsyncSession) -> None:
    training = await access_attendance(session, callback_data.id, utcnow())
    message = tapped_message(query)
    booking = await trainings.toggle_attendance(session, callback_data.id, callback_data.booking, utcnow())
    person = next(p for p in await _booked(session, callback_data.id) if p.booking_id == booking.id)
    await query.answer(_("{name} : présent").format(name=person.name) if booking.attended
                       else _("{name} : absent").format(name=person.name))
    await _edit_markup(message, _presence_keyboard(training, await _booked(session, callback_data.id),
                                                   callback_data.page))


# -- the creation and edit form --------------------------------------------------------------------------

class TrainingDraft(BaseModel):
    training_id: int | None = None  # editing this session (None: a new one)
    request_key: str = ""  # a double tap on "Publish" creates one session
    booked: int = 0  # seats already taken when editing began (seats cannot go below)
    told: int = 0  # people booked or waiting when editing began (told of a move)
    was: dict[str, Any] = {}  # when and where, when editing began
    networks: str | None = None
    theme: str = ""
    title_fr: str = ""
    title_en: str = ""
    description_fr: str = ""
    description_en: str = ""
    starts_at: datetime | None = None
    duration: int | None = None
    place: str | None = None
    online_url: str | None = None
    capacity: int | None = None

    def when_and_where(self) -> dict[str, Any]:
        return {"starts_at": self.starts_at.isoformat() if self.starts_at else None, "duration": self.duration,
                "place": self.place, "online_url": self.online_url}

    @property
    def moved(self) -> bool:
        return self.training_id is not None and self.when_and_where() != self.was


def _typed_networks(text: str, _draft: TrainingDraft) -> str:
    choice = TYPED_NETWORKS.get(text.strip().lower())
    if choice is None:
        raise DomainError(N_("Touchez un des boutons : Climat, Solidarité ou les deux."))
    return choice


def _typed_description(text: str, _draft: TrainingDraft) -> str:
    return "" if text.strip() == "-" else inputs.clean_text(text, inputs.DESCRIPTION_MAX)


def _typed_capacity(text: str, draft: TrainingDraft) -> int:
    return inputs.check_seats_for(inputs.parse_capacity(text), draft.booked)


def _store_location(draft: TrainingDraft, value: Any) -> None:
    draft.place, draft.online_url = value


def _prompt(creating: str, field: str) -> Any:
    """The creation form's question, or "New value for …?" when editing a session."""
    def prompt(draft: TrainingDraft) -> str:
        if draft.training_id is not None:
            return _("Nouvelle valeur pour « {field} » ?").format(field=_(field))
        return _(creating)
    return prompt


def _summary(draft: TrainingDraft) -> str:
    networks = ", ".join(_(inputs.NETWORKS[name]) for name in NETWORK_CHOICES.get(draft.networks or "", []))
    where = _("En ligne : {url}").format(url=escape(draft.online_url)) if draft.online_url \
        else escape(draft.place or "—")
    locale = get_i18n().current_locale
    heading = _("<b>Nouvelle formation</b>") if draft.training_id is None else _("<b>Modifier la formation</b>")
    text = heading + "\n" + _("Pour : {networks}\nThème : {theme}\nTitre : {title_fr} / {title_en}\n"
                              "Quand : {when} ({duration})\nOù : {where}\nPlaces : {capacity}").format(
        networks=networks, theme=escape(draft.theme), title_fr=escape(draft.title_fr),
        title_en=escape(draft.title_en),
        when=format_when(draft.starts_at, locale) if draft.starts_at else "—",
        duration=duration_text(draft.duration or 0), where=where, capacity=draft.capacity)
    if draft.moved and draft.told:
        text += "\n\n" + ngettext("La date ou le lieu change : {count} personne inscrite ou en attente sera "
                                  "prévenue, avec le fichier d'agenda à jour.",
                                  "La date ou le lieu change : {count} personnes inscrites ou en attente seront "
                                  "prévenues, avec le fichier d'agenda à jour.", draft.told).format(count=draft.told)
    return text + "\n\n" + _("Tout est juste ?")


def _confirm_label(draft: TrainingDraft) -> str:
    if draft.training_id is None:
        return _("✅ Publier")
    if draft.moved and draft.told:
        return _("✅ Enregistrer et prévenir {count}").format(count=draft.told)
    return _("✅ Enregistrer")


async def _finish(context: FormContext, draft: TrainingDraft) -> None:
    assert draft.starts_at is not None and draft.duration is not None and draft.capacity is not None
    values = dict(networks=NETWORK_CHOICES[draft.networks or ""], theme=draft.theme, title_fr=draft.title_fr,
                  title_en=draft.title_en, description_fr=draft.description_fr,
                  description_en=draft.description_en, starts_at=draft.starts_at, duration_minutes=draft.duration,
                  place=draft.place, online_url=draft.online_url, capacity=draft.capacity)
    now = utcnow()
    if draft.training_id is None:
        training = await trainings.create_training(context.session, **values, now=now,  # type: ignore[arg-type]
                                                   created_by=context.user.id, request_key=draft.request_key)
        announced = await announce(context.session, [training], now)
        text = _("Formation publiée.") + " " + ngettext(
            "Annoncée à {count} volontaire.", "Annoncée à {count} volontaires.", announced).format(count=announced)
    else:
        training, told = await trainings.update_training(context.session, draft.training_id, values, now)
        text = _("C'est modifié.")
        if told:
            text += " " + ngettext("{count} personne va être prévenue.", "{count} personnes vont être prévenues.",
                                   told).format(count=told)
    await drop_keyboard(context.message)
    await context.message.answer(text)
    await _send_admin_card(context.message, training, context.user.locale)


async def _cancelled(context: FormContext) -> None:
    await context.message.answer(_("C'est abandonné : rien n'a été enregistré."))


TRAINING_FORM: Form[TrainingDraft] = Form(
    name="tr",
    draft=TrainingDraft,
    steps=[
        Step("net", _prompt(N_("<b>Nouvelle formation</b> (1/10)\nPour quel réseau ?"), N_("Réseaux")),
             field="networks", parse=_typed_networks, edit_label=lambda: _("Réseaux"),
             choices=lambda _d: [Choice("climate", _("🌳 Volontaires du Climat")),
                                 Choice("solidarity", _("🤝 Volontaires de la Solidarité")),
                                 Choice("both", _("Les deux"))]),
        Step("theme", _prompt(N_("(2/10) Thème ? (par exemple : Canicule, Aller vers, Femmes sans abri)"),
                              N_("Thème")),
             field="theme", parse=lambda text, _d: inputs.clean_text(text, inputs.THEME_MAX),
             edit_label=lambda: _("Thème")),
        Step("tfr", _prompt(N_("(3/10) Titre en français ?"), N_("Titre (français)")), field="title_fr",
             parse=lambda text, _d: inputs.clean_text(text, inputs.TITLE_MAX),
             edit_label=lambda: _("Titre (français)")),
        Step("ten", _prompt(N_("(4/10) Titre en anglais ?"), N_("Titre (anglais)")), field="title_en",
             parse=lambda text, _d: inputs.clean_text(text, inputs.TITLE_MAX),
             edit_label=lambda: _("Titre (anglais)")),
        Step("dfr", _prompt(N_("(5/10) Description en français ? (« - » pour aucune)"), N_("Description (français)")),
             field="description_fr", parse=_typed_description, skip_label=lambda: _("Aucune"),
             apply=lambda d, value: setattr(d, "description_fr", value or ""),
             edit_label=lambda: _("Description (français)")),
        Step("den", _prompt(N_("(6/10) Description en anglais ? (« - » pour aucune)"), N_("Description (anglais)")),
             field="description_en", parse=_typed_description, skip_label=lambda: _("Aucune"),
             apply=lambda d, value: setattr(d, "description_en", value or ""),
             edit_label=lambda: _("Description (anglais)")),
        Step("when", _prompt(N_("(7/10) Date et heure (heure de Paris) ? Par exemple 12/12/2026 18:30."),
                             N_("Date et heure")),
             field="starts_at", parse=lambda text, _d: inputs.parse_start(text, utcnow()),
             edit_label=lambda: _("Date et heure")),
        Step("dur", _prompt(N_("(8/10) Durée ? Touchez un bouton ou écrivez-la (par exemple 1h45)."), N_("Durée")),
             field="duration", parse=lambda text, _d: inputs.parse_duration(text), width=4,
             apply=lambda d, value: setattr(d, "duration", int(value)), edit_label=lambda: _("Durée"),
             choices=lambda _d: [Choice(minutes, label) for minutes, label in DURATIONS.items()]),
        Step("loc", _prompt(N_("(9/10) Adresse, ou lien de visioconférence (https://…) ?"), N_("Lieu ou lien")),
             parse=lambda text, _d: inputs.parse_location(text), apply=_store_location,
             edit_label=lambda: _("Lieu ou lien")),
        Step("cap", _prompt(N_("(10/10) Combien de places ?"), N_("Places")), field="capacity",
             parse=_typed_capacity, edit_label=lambda: _("Places")),
    ],
    summary=_summary,
    finish=_finish,
    confirm_label=_confirm_label,
    cancelled=_cancelled,
)


@router.callback_query(AdminCb.filter(F.action == "new"))
async def start_form(query: CallbackQuery, state: FSMContext) -> None:
    message = tapped_message(query)
    await query.answer()
    await TRAINING_FORM.start(message, state, TrainingDraft(request_key=uuid.uuid4().hex))


@router.callback_query(AdminCb.filter(F.action == "edit"))
async def edit_form(query: CallbackQuery, callback_data: AdminCb, state: FSMContext, session: AsyncSession) -> None:
    training = await access_managed(session, callback_data.id)
    trainings.check_editable(training, utcnow())
    message = tapped_message(query)
    networks = "both" if training.for_climate and training.for_solidarity else \
        "climate" if training.for_climate else "solidarity"
    draft = TrainingDraft(
        training_id=training.id, booked=training.booked_count,
        told=await trainings.people_to_tell(session, callback_data.id),
        networks=networks, theme=training.theme, title_fr=training.title_fr, title_en=training.title_en,
        description_fr=training.description_fr, description_en=training.description_en,
        starts_at=training.starts_at, duration=training.duration_minutes, place=training.place,
        online_url=training.online_url, capacity=training.capacity)
    draft.was = draft.when_and_where()
    await query.answer()
    await TRAINING_FORM.start(message, state, draft, at_summary=True)
