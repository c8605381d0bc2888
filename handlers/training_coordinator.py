"""Trainings for coordinators: a guided form to create one, edit, cancel, who is booked and waiting,
one-tap attendance and the CSV export. Every handler here is behind the coordinator check.
"""

from __future__ import annotations

import contextlib
import uuid
from datetime import datetime
from html import escape
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.middlewares.roles import CoordinatorOnly
from handlers.training import duration_text, seats_text, short_when, training_card
from handlers.ui import drop_keyboard
from locales.formatting import format_when
from models.base import utcnow
from models.training import BookingStatus, Training, TrainingStatus
from models.user import User
from services import training as trainings
from services import training_input
from services.callbacks.foundation import CoordCb, MenuCb
from services.errors import DomainError, StaleButton

PAGE_SIZE = 10  # keeps the list message well under Telegram's 4096 characters
PRESENCE_PAGE = 25

router = Router(name="training_coordinator")
router.message.middleware(CoordinatorOnly())
router.callback_query.middleware(CoordinatorOnly())

# Typed answers are plain text that is not a command: /cancel and /menu still reach their handlers.
NOT_COMMAND = ~F.text.startswith("/")
TYPED = F.text & NOT_COMMAND


class AdminCb(CallbackData, prefix="ta"):
    """list, page, new, show, people, edit, field (with name), cancel (asks), kill (confirmed), presence,
    sheet (a page of it), mark, export."""

    action: str
    id: int = 0
    booking: int = 0
    name: str = ""
    page: int = 0


class FormCb(CallbackData, prefix="tf"):
    """Buttons of the creation form: networks, duration, confirm, abort."""

    action: str
    value: str = ""


class NewTraining(StatesGroup):
    networks = State()
    theme = State()
    title_fr = State()
    title_en = State()
    description_fr = State()
    description_en = State()
    starts_at = State()
    duration = State()
    location = State()
    capacity = State()
    summary = State()


class EditTraining(StatesGroup):
    value = State()


NETWORK_CHOICES = {"climate": ["climate"], "solidarity": ["solidarity"], "both": ["climate", "solidarity"]}
TYPED_NETWORKS = {"climat": "climate", "climate": "climate", "solidarité": "solidarity", "solidarite": "solidarity",
                  "solidarity": "solidarity", "les deux": "both", "both": "both", "deux": "both"}
DURATIONS = {"60": "1 h", "90": "1 h 30", "120": "2 h", "180": "3 h"}
def _field_label(name: str) -> str:
    labels = {
        "title_fr": _("Titre (français)"), "title_en": _("Titre (anglais)"),
        "description_fr": _("Description (français)"), "description_en": _("Description (anglais)"),
        "theme": _("Thème"), "starts_at": _("Date et heure"), "duration": _("Durée"),
        "location": _("Lieu ou lien"), "capacity": _("Places"),
    }
    return labels[name]


def _title(training: Training) -> str:
    """The title in the coordinator's own language."""
    return training.title(get_i18n().current_locale)


def _tapped_message(query: CallbackQuery) -> Message | None:
    return query.message if isinstance(query.message, Message) else None


# -- the list and one session ----------------------------------------------------------------------------

async def _send_list(message: Message, session: AsyncSession, page: int, *, edit: bool = False) -> None:
    found, total = await trainings.coordinator_trainings(session, utcnow(), page, PAGE_SIZE)
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    builder = InlineKeyboardBuilder()
    lines = [_("<b>Formations</b> (à venir et des 30 derniers jours)")]
    if pages > 1:
        lines[0] += f" · {page + 1}/{pages}"
    if not found:
        lines.append(_("Aucune formation pour le moment."))
    for training in found:
        lines.append(f"• {short_when(training)} · <b>{escape(_title(training))}</b> · "
                     f"{training.booked_count}/{training.capacity} · {seats_text(training)}")
        builder.button(text=f"{short_when(training)} · {_title(training)[:40]}",
                       callback_data=AdminCb(action="show", id=training.id or 0))
    sizes = [1] * len(found)
    navigation = [(page - 1, "«"), (page + 1, "»")]
    shown = [(target, label) for target, label in navigation if 0 <= target < pages]
    for target, label in shown:
        builder.button(text=label, callback_data=AdminCb(action="page", page=target))
    if shown:
        sizes.append(len(shown))
    builder.button(text=_("➕ Nouvelle formation"), callback_data=AdminCb(action="new"))
    builder.button(text=_("« Menu coordinateur"), callback_data=MenuCb(item="coord"))
    builder.adjust(*sizes, 1, 1)
    if edit:
        with contextlib.suppress(TelegramBadRequest):
            await message.edit_text("\n".join(lines), reply_markup=builder.as_markup())
            return
    await message.answer("\n".join(lines), reply_markup=builder.as_markup())


@router.callback_query(CoordCb.filter(F.item == "trainings"))
async def open_list(query: CallbackQuery, session: AsyncSession) -> None:
    await query.answer()
    message = _tapped_message(query)
    if message is not None:
        await _send_list(message, session, 0)


@router.callback_query(AdminCb.filter(F.action.in_({"list", "page"})))
async def list_page(query: CallbackQuery, callback_data: AdminCb, session: AsyncSession) -> None:
    """"list" answers with the list (from a session's page); "page" turns the page in place."""
    await query.answer()
    message = _tapped_message(query)
    if message is not None:
        await _send_list(message, session, callback_data.page, edit=callback_data.action == "page")


def _admin_keyboard(training: Training, now: datetime) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    assert training.id is not None
    builder.button(text=_("👥 Inscrits et attente"), callback_data=AdminCb(action="people", id=training.id))
    if training.starts_at <= now:
        builder.button(text=_("✅ Présences"), callback_data=AdminCb(action="presence", id=training.id))
    elif training.status == TrainingStatus.SCHEDULED:
        builder.button(text=_("✏️ Modifier"), callback_data=AdminCb(action="edit", id=training.id))
        builder.button(text=_("❌ Annuler la formation"), callback_data=AdminCb(action="cancel", id=training.id))
    builder.button(text=_("📄 Export CSV"), callback_data=AdminCb(action="export", id=training.id))
    builder.button(text=_("« Formations"), callback_data=AdminCb(action="list"))
    builder.adjust(1)
    return builder.as_markup()


async def _training_or_refuse(query: CallbackQuery, session: AsyncSession, training_id: int) -> Training | None:
    training = await trainings.get_training(session, training_id)
    if training is None:
        await query.answer(_("Cette formation n'existe pas."), show_alert=True)
    return training


async def _send_admin_card(message: Message, training: Training, locale: str) -> None:
    text = training_card(training, locale) + "\n\n" + _("Réservées : {booked}/{capacity}").format(
        booked=training.booked_count, capacity=training.capacity)
    await message.answer(text, reply_markup=_admin_keyboard(training, utcnow()))


@router.callback_query(AdminCb.filter(F.action == "show"))
async def show(query: CallbackQuery, callback_data: AdminCb, session: AsyncSession, user: User) -> None:
    training = await _training_or_refuse(query, session, callback_data.id)
    if training is None:
        return
    await query.answer()
    message = _tapped_message(query)
    if message is not None:
        await _send_admin_card(message, training, user.locale)


@router.callback_query(AdminCb.filter(F.action == "people"))
async def people(query: CallbackQuery, callback_data: AdminCb, session: AsyncSession) -> None:
    training = await _training_or_refuse(query, session, callback_data.id)
    if training is None:
        return
    await query.answer()
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
    message = _tapped_message(query)
    if message is not None:
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
async def export(query: CallbackQuery, callback_data: AdminCb, session: AsyncSession) -> None:
    training = await _training_or_refuse(query, session, callback_data.id)
    if training is None:
        return
    await query.answer()
    data = await trainings.export_csv(session, callback_data.id)
    message = _tapped_message(query)
    if message is not None:
        await message.answer_document(
            BufferedInputFile(data.encode("utf-8"), filename=f"formation-{training.id}.csv"),
            caption=_("Liste des inscrits : {title}").format(title=escape(_title(training))))


# -- cancelling a session --------------------------------------------------------------------------------

@router.callback_query(AdminCb.filter(F.action == "cancel"))
async def ask_cancel(query: CallbackQuery, callback_data: AdminCb, session: AsyncSession) -> None:
    training = await _training_or_refuse(query, session, callback_data.id)
    if training is None:
        return
    await query.answer()
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Oui, annuler la formation"), callback_data=AdminCb(action="kill", id=callback_data.id))
    builder.button(text=_("Non"), callback_data=AdminCb(action="show", id=callback_data.id))
    builder.adjust(2)
    message = _tapped_message(query)
    if message is not None:
        count = len(await trainings.participants(session, callback_data.id))
        question = ngettext("Annuler « {title} » ? La personne inscrite ou en attente sera prévenue.",
                            "Annuler « {title} » ? Les {count} personnes inscrites ou en attente seront prévenues.",
                            count)
        await message.answer(question.format(title=escape(_title(training)), count=count),
                             reply_markup=builder.as_markup())


@router.callback_query(AdminCb.filter(F.action == "kill"))
async def confirm_cancel(query: CallbackQuery, callback_data: AdminCb, session: AsyncSession, user: User) -> None:
    try:
        told = await trainings.cancel_training(session, callback_data.id, utcnow())
    except DomainError as error:
        await query.answer(error.render(user.locale), show_alert=True)
        return
    await query.answer()
    message = _tapped_message(query)
    if message is not None:
        await drop_keyboard(message)
        await message.answer(ngettext("Formation annulée. {count} personne va être prévenue.",
                                      "Formation annulée. {count} personnes vont être prévenues.", told)
                             .format(count=told))


# -- attendance ------------------------------------------------------------------------------------------

def _presence_keyboard(training: Training, people: list[trainings.Participant], page: int) -> InlineKeyboardMarkup:
    """One button per booked person, a page at a time (Telegram allows 100 buttons per keyboard)."""
    pages = max((len(people) + PRESENCE_PAGE - 1) // PRESENCE_PAGE, 1)
    page = min(max(page, 0), pages - 1)
    builder = InlineKeyboardBuilder()
    for person in people[page * PRESENCE_PAGE:(page + 1) * PRESENCE_PAGE]:
        mark = {None: "⬜", True: "✅", False: "❌"}[person.attended]
        builder.button(text=f"{mark} {person.name}",
                       callback_data=AdminCb(action="mark", id=training.id or 0, booking=person.booking_id, page=page))
    shown = [(target, label) for target, label in ((page - 1, "«"), (page + 1, "»")) if 0 <= target < pages]
    for target, label in shown:
        builder.button(text=label, callback_data=AdminCb(action="sheet", id=training.id or 0, page=target))
    builder.button(text=_("« Formation"), callback_data=AdminCb(action="show", id=training.id or 0))
    builder.adjust(*([1] * min(len(people), PRESENCE_PAGE)), *([len(shown)] if shown else []), 1)
    return builder.as_markup()


async def _edit_markup(message: Message, markup: InlineKeyboardMarkup) -> None:
    """Redraw the buttons; a double tap asks for the same drawing twice, which Telegram refuses as "not modified"."""
    try:
        await message.edit_reply_markup(reply_markup=markup)
    except TelegramBadRequest as error:
        if "not modified" not in error.message:
            raise


async def _booked(session: AsyncSession, training_id: int) -> list[trainings.Participant]:
    return [p for p in await trainings.participants(session, training_id) if p.status == BookingStatus.BOOKED]


async def _started_training(query: CallbackQuery, session: AsyncSession, training_id: int) -> Training | None:
    training = await _training_or_refuse(query, session, training_id)
    if training is not None and training.starts_at > utcnow():
        await query.answer(_("Les présences se notent une fois la formation commencée."), show_alert=True)
        return None
    return training


@router.callback_query(AdminCb.filter(F.action == "presence"))
async def presence(query: CallbackQuery, callback_data: AdminCb, session: AsyncSession) -> None:
    training = await _started_training(query, session, callback_data.id)
    if training is None:
        return
    await query.answer()
    message = _tapped_message(query)
    if message is not None:
        await message.answer(
            _("<b>Présences</b> : {title}\nTouchez une personne : ⬜ pas encore noté, ✅ présent, ❌ absent.")
            .format(title=escape(_title(training))),
            reply_markup=_presence_keyboard(training, await _booked(session, callback_data.id), 0))


@router.callback_query(AdminCb.filter(F.action == "sheet"))
async def presence_page(query: CallbackQuery, callback_data: AdminCb, session: AsyncSession) -> None:
    training = await _started_training(query, session, callback_data.id)
    if training is None:
        return
    await query.answer()
    message = _tapped_message(query)
    if message is not None:
        booked = await _booked(session, callback_data.id)
        await _edit_markup(message, _presence_keyboard(training, booked, callback_data.page))


@router.callback_query(AdminCb.filter(F.action == "mark"))
async def mark(query: CallbackQuery, callback_data: AdminCb, session: AsyncSession, user: User) -> None:
    people = {p.booking_id: p for p in await _booked(session, callback_data.id)}
    person = people.get(callback_data.booking)
    try:
        await trainings.set_attendance(session, callback_data.id, callback_data.booking,
                                       not (person is not None and person.attended), utcnow())
    except DomainError as error:
        await query.answer(error.render(user.locale), show_alert=True)
        return
    training = await trainings.get_training(session, callback_data.id)
    assert training is not None and person is not None
    await query.answer(_("{name} : présent").format(name=person.name) if not person.attended
                       else _("{name} : absent").format(name=person.name))
    message = _tapped_message(query)
    if message is not None:
        booked = await _booked(session, callback_data.id)
        await _edit_markup(message, _presence_keyboard(training, booked, callback_data.page))


# -- the creation form -----------------------------------------------------------------------------------

ORDER = [NewTraining.networks, NewTraining.theme, NewTraining.title_fr, NewTraining.title_en,
         NewTraining.description_fr, NewTraining.description_en, NewTraining.starts_at, NewTraining.duration,
         NewTraining.location, NewTraining.capacity, NewTraining.summary]


def _abort_button(builder: InlineKeyboardBuilder) -> InlineKeyboardBuilder:
    builder.button(text=_("Abandonner"), callback_data=FormCb(action="abort"))
    return builder


def _summary(data: dict[str, Any], locale: str) -> str:
    networks = ", ".join(_(training_input.NETWORKS[name]) for name in data.get("networks", []))
    if data.get("online_url"):
        where = _("En ligne : {url}").format(url=escape(data["online_url"]))
    else:
        where = escape(data.get("place") or "—")
    return _("<b>Nouvelle formation</b>\nPour : {networks}\nThème : {theme}\nTitre : {title_fr} / {title_en}\n"
             "Quand : {when} ({duration})\nOù : {where}\nPlaces : {capacity}").format(
        networks=networks, theme=escape(data["theme"]), title_fr=escape(data["title_fr"]),
        title_en=escape(data["title_en"]), when=format_when(datetime.fromisoformat(data["starts_at"]), locale),
        duration=duration_text(data["duration"]), where=where, capacity=data["capacity"])


async def _ask(message: Message, step: State, data: dict[str, Any], locale: str) -> None:
    builder = InlineKeyboardBuilder()
    if step == NewTraining.networks:
        builder.button(text=_("🌳 Volontaires du Climat"), callback_data=FormCb(action="net", value="climate"))
        builder.button(text=_("🤝 Volontaires de la Solidarité"),
                       callback_data=FormCb(action="net", value="solidarity"))
        builder.button(text=_("Les deux"), callback_data=FormCb(action="net", value="both"))
        text = _("<b>Nouvelle formation</b> (1/10)\nPour quel réseau ?")
    elif step == NewTraining.summary:
        builder.button(text=_("✅ Publier"), callback_data=FormCb(action="publish"))
        text = _summary(data, locale) + "\n\n" + _("Tout est juste ?")
    elif step == NewTraining.duration:
        for minutes, label in DURATIONS.items():
            builder.button(text=label, callback_data=FormCb(action="duration", value=minutes))
        text = _("(8/10) Durée ? Touchez un bouton ou écrivez-la (par exemple 1h45).")
    else:
        text = {
            NewTraining.theme: _("(2/10) Thème ? (par exemple : Canicule, Aller vers, Femmes sans abri)"),
            NewTraining.title_fr: _("(3/10) Titre en français ?"),
            NewTraining.title_en: _("(4/10) Titre en anglais ?"),
            NewTraining.description_fr: _("(5/10) Description en français ? (« - » pour aucune)"),
            NewTraining.description_en: _("(6/10) Description en anglais ? (« - » pour aucune)"),
            NewTraining.starts_at: _("(7/10) Date et heure (heure de Paris) ? Par exemple 12/12/2026 18:30."),
            NewTraining.location: _("(9/10) Adresse, ou lien de visioconférence (https://…) ?"),
            NewTraining.capacity: _("(10/10) Combien de places ?"),
        }[step]
    _abort_button(builder)
    builder.adjust(1)
    await message.answer(text, reply_markup=builder.as_markup())


async def _go(message: Message, state: FSMContext, step: State, locale: str) -> None:
    await state.set_state(step)
    await _ask(message, step, await state.get_data(), locale)


def _field_of(step: State) -> str:
    """"NewTraining:title_fr" → "title_fr"."""
    return (step.state or "").split(":")[-1]


def _next(step: State) -> State:
    return ORDER[ORDER.index(step) + 1]


async def _current(state: FSMContext) -> State | None:
    name = await state.get_state()
    return next((step for step in ORDER if step.state == name), None)


@router.callback_query(AdminCb.filter(F.action == "new"))
async def start_form(query: CallbackQuery, state: FSMContext, user: User) -> None:
    await query.answer()
    await state.set_data({"request_key": uuid.uuid4().hex})
    message = _tapped_message(query)
    if message is not None:
        await _go(message, state, NewTraining.networks, user.locale)


@router.callback_query(StateFilter(NewTraining, EditTraining), FormCb.filter(F.action == "abort"))
async def abort_form(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await query.answer()
    message = _tapped_message(query)
    if message is not None:
        await message.answer(_("C'est abandonné : rien n'a été enregistré."))


@router.callback_query(NewTraining.networks, FormCb.filter(F.action == "net"))
async def chose_networks(query: CallbackQuery, callback_data: FormCb, state: FSMContext, user: User) -> None:
    networks = NETWORK_CHOICES.get(callback_data.value)
    if networks is None:
        raise StaleButton
    await query.answer()
    await state.update_data(networks=networks)
    message = _tapped_message(query)
    if message is not None:
        await _go(message, state, NewTraining.theme, user.locale)


@router.message(NewTraining.networks, TYPED)
async def typed_networks(message: Message, state: FSMContext, user: User) -> None:
    choice = TYPED_NETWORKS.get((message.text or "").strip().lower())
    if choice is None:
        await message.answer(_("Touchez un des boutons : Climat, Solidarité ou les deux."))
        await _ask(message, NewTraining.networks, await state.get_data(), user.locale)
        return
    await state.update_data(networks=NETWORK_CHOICES[choice])
    await _go(message, state, NewTraining.theme, user.locale)


@router.callback_query(NewTraining.duration, FormCb.filter(F.action == "duration"))
async def chose_duration(query: CallbackQuery, callback_data: FormCb, state: FSMContext, user: User) -> None:
    if callback_data.value not in DURATIONS:
        raise StaleButton
    await query.answer()
    await state.update_data(duration=int(callback_data.value))
    message = _tapped_message(query)
    if message is not None:
        await _go(message, state, NewTraining.location, user.locale)


@router.message(StateFilter(NewTraining.theme, NewTraining.title_fr, NewTraining.title_en, NewTraining.description_fr,
                            NewTraining.description_en, NewTraining.starts_at, NewTraining.duration,
                            NewTraining.location, NewTraining.capacity), TYPED)
async def typed_answer(message: Message, state: FSMContext, user: User) -> None:
    step = await _current(state)
    assert step is not None
    text = message.text or ""
    try:
        value: dict[str, Any]
        if step == NewTraining.theme:
            value = {"theme": training_input.clean_text(text, training_input.THEME_MAX)}
        elif step in (NewTraining.title_fr, NewTraining.title_en):
            value = {_field_of(step): training_input.clean_text(text, training_input.TITLE_MAX)}
        elif step in (NewTraining.description_fr, NewTraining.description_en):
            described = "" if text.strip() == "-" else training_input.clean_text(text, training_input.DESCRIPTION_MAX)
            value = {_field_of(step): described}
        elif step == NewTraining.starts_at:
            value = {"starts_at": training_input.parse_start(text, utcnow()).isoformat()}
        elif step == NewTraining.duration:
            value = {"duration": training_input.parse_duration(text)}
        elif step == NewTraining.location:
            place, url = training_input.parse_location(text)
            value = {"place": place, "online_url": url}
        else:
            value = {"capacity": training_input.parse_capacity(text)}
    except DomainError as error:
        await message.answer(error.render(user.locale))
        return
    await state.update_data(value)
    await _go(message, state, _next(step), user.locale)


@router.callback_query(NewTraining.summary, FormCb.filter(F.action == "publish"))
async def publish(query: CallbackQuery, state: FSMContext, session: AsyncSession, user: User) -> None:
    data = await state.get_data()
    try:
        training = await trainings.create_training(
            session, networks=data["networks"], theme=data["theme"], title_fr=data["title_fr"],
            title_en=data["title_en"], description_fr=data["description_fr"], description_en=data["description_en"],
            starts_at=datetime.fromisoformat(data["starts_at"]), duration_minutes=data["duration"],
            place=data.get("place"), online_url=data.get("online_url"), capacity=data["capacity"],
            now=utcnow(), created_by=user.id, request_key=data.get("request_key"))
    except DomainError as error:
        # e.g. the date went by while the form stayed open: ask for it again
        await query.answer(error.render(user.locale), show_alert=True)
        message = _tapped_message(query)
        if message is not None:
            await _go(message, state, NewTraining.starts_at, user.locale)
        return
    await state.clear()
    await query.answer(_("Formation publiée."))
    message = _tapped_message(query)
    if message is not None:
        await drop_keyboard(message)
        await _send_admin_card(message, training, user.locale)


@router.callback_query(StateFilter(NewTraining, EditTraining), FormCb.filter())
async def stale_form_button(query: CallbackQuery, state: FSMContext, user: User) -> None:
    """A button from an earlier step of the form: say so and ask the current question again."""
    await query.answer(_("Ce bouton n'est plus valable."))
    step = await _current(state)
    message = _tapped_message(query)
    if step is not None and message is not None:
        await _ask(message, step, await state.get_data(), user.locale)


@router.message(StateFilter(NewTraining), NOT_COMMAND)
async def unexpected_in_form(message: Message, state: FSMContext, user: User) -> None:
    """A sticker, a photo, or text where a button is expected: explain and ask again (/cancel still works)."""
    await message.answer(_("Je n'attends pas cela ici. Répondez à la question, ou /cancel pour abandonner."))
    step = await _current(state)
    if step is not None:
        await _ask(message, step, await state.get_data(), user.locale)


# -- editing ---------------------------------------------------------------------------------------------

@router.callback_query(AdminCb.filter(F.action == "edit"))
async def choose_field(query: CallbackQuery, callback_data: AdminCb, session: AsyncSession) -> None:
    training = await _training_or_refuse(query, session, callback_data.id)
    if training is None:
        return
    await query.answer()
    builder = InlineKeyboardBuilder()
    for name in trainings.EDITABLE:
        builder.button(text=_field_label(name), callback_data=AdminCb(action="field", id=callback_data.id, name=name))
    builder.button(text=_("« Formation"), callback_data=AdminCb(action="show", id=callback_data.id))
    builder.adjust(2)
    message = _tapped_message(query)
    if message is not None:
        await message.answer(_("Que voulez-vous modifier dans « {title} » ?").format(title=escape(_title(training))),
                             reply_markup=builder.as_markup())


@router.callback_query(AdminCb.filter(F.action == "field"))
async def ask_value(query: CallbackQuery, callback_data: AdminCb, state: FSMContext, session: AsyncSession) -> None:
    training = await _training_or_refuse(query, session, callback_data.id)
    if training is None:
        return
    if callback_data.name not in trainings.EDITABLE:
        raise StaleButton
    await query.answer()
    await state.set_state(EditTraining.value)
    await state.set_data({"training_id": callback_data.id, "field": callback_data.name})
    message = _tapped_message(query)
    if message is not None:
        builder = _abort_button(InlineKeyboardBuilder())
        await message.answer(_("Nouvelle valeur pour « {field} » ?").format(field=_field_label(callback_data.name)),
                             reply_markup=builder.as_markup())


@router.message(EditTraining.value, TYPED)
async def typed_value(message: Message, state: FSMContext, session: AsyncSession, user: User) -> None:
    data = await state.get_data()
    try:
        training = await trainings.edit_training(session, int(data["training_id"]), str(data["field"]),
                                                 message.text or "", utcnow())
    except DomainError as error:
        await message.answer(error.render(user.locale) + "\n" + _("Écrivez une autre valeur, ou /cancel."))
        return
    await state.clear()
    await message.answer(_("C'est modifié."))
    await _send_admin_card(message, training, user.locale)


@router.message(EditTraining.value, NOT_COMMAND)
async def unexpected_in_edit(message: Message) -> None:
    await message.answer(_("Écrivez la nouvelle valeur, ou /cancel pour abandonner."))


@router.callback_query(AdminCb.filter())
async def unknown_action(query: CallbackQuery) -> None:
    await query.answer(_("Ce bouton n'est plus valable. Tapez /menu pour recommencer."), show_alert=True)
