"""Volunteer signup by buttons (language, consent, name, place, networks, languages, skills, summary).

The same flow edits a profile: it then opens on the summary with the stored answers. Every step also
accepts typing where that makes sense, and answers anything else by asking the same question again.
"""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram import F, Router
from aiogram.filters import CommandStart, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel import Locale
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import newsletter
from handlers.filters import NOT_A_COMMAND, TYPED_ANSWER
from handlers.keyboards import chunked, inline_keyboard
from handlers.menu import MenuCb, show_main_menu
from handlers.privacy import privacy_notice
from handlers.replies import message_of, refuse_stale_button
from locales import BABEL_LOCALES, LOCALES
from locales.formatting import format_arrondissement
from models.user import User
from services import users
from services.errors import DomainError

router = Router(name="signup")

LANGUAGE_LABELS = {"fr": "🇫🇷 Français", "en": "🇬🇧 English"}


class Signup(StatesGroup):
    language = State()
    consent = State()
    name = State()
    place = State()
    postal = State()
    networks = State()
    languages = State()
    skills = State()
    summary = State()


ORDER = [Signup.language, Signup.consent, Signup.name, Signup.place, Signup.networks,
         Signup.languages, Signup.skills, Signup.summary]


class SignupCb(CallbackData, prefix="su"):
    action: str
    value: str = ""


# -- keyboards and questions ---------------------------------------------------------------------------

def _with_back(builder: InlineKeyboardBuilder, *, sizes: tuple[int, ...] = (1,)) -> InlineKeyboardMarkup:
    builder.button(text=_("« Retour"), callback_data=SignupCb(action="back"))
    builder.adjust(*sizes)
    return builder.as_markup()


def _language_keyboard(suggested: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in sorted(LOCALES, key=lambda code: code != suggested):
        builder.button(text=LANGUAGE_LABELS[code], callback_data=SignupCb(action="lang", value=code))
    builder.adjust(2)
    return builder.as_markup()


def _spoken_name(code: str, locale: str) -> str:
    name = Locale.parse(BABEL_LOCALES[locale]).languages.get(code, code)
    return name[:1].upper() + name[1:]


def _toggle_keyboard(action: str, options: dict[str, str], chosen: list[str]) -> InlineKeyboardMarkup:
    ticks = [(f"{'✅ ' if value in chosen else ''}{label}", SignupCb(action=action, value=value))
             for value, label in options.items()]
    return inline_keyboard([*chunked(ticks, 3), [(_("Continuer »"), SignupCb(action="next")),
                                                  (_("« Retour"), SignupCb(action="back"))]])


def _languages_options(locale: str) -> dict[str, str]:
    return {code: _spoken_name(code, locale) for code in users.SPOKEN_LANGUAGES}


def _skills_options() -> dict[str, str]:
    return {key: _(label) for key, label in users.SKILLS.items()}


def _place_label(data: dict[str, Any], locale: str) -> str:
    if data.get("arrondissement"):
        return _("Paris {arrondissement}").format(
            arrondissement=format_arrondissement(int(data["arrondissement"]), locale))
    if data.get("postal_code"):
        return _("Hors de Paris ({code})").format(code=data["postal_code"])
    return "—"


def _networks_label(data: dict[str, Any]) -> str:
    names = []
    if data.get("climate"):
        names.append(_("Volontaires du Climat"))
    if data.get("solidarity"):
        names.append(_("Volontaires de la Solidarité"))
    return ", ".join(names) or "—"


def summary_text(data: dict[str, Any], locale: str) -> str:
    spoken = ", ".join(_spoken_name(code, locale) for code in data.get("languages", [])) or "—"
    skills = ", ".join(_(users.SKILLS[key]) for key in data.get("skills", []) if key in users.SKILLS) or "—"
    return _(
        "<b>Votre profil</b>\n"
        "Nom : {name}\nLieu : {place}\nRéseaux : {networks}\nLangues parlées : {languages}\n"
        "Compétences : {skills}"
    ).format(name=escape(data.get("full_name") or "—"), place=_place_label(data, locale),
             networks=_networks_label(data), languages=spoken, skills=skills)


async def ask(message: Message, step: State, data: dict[str, Any], locale: str) -> None:
    """Send the question of a step with its buttons."""
    if step == Signup.language:
        await message.answer(
            "Bienvenue ! Choisissez votre langue.\nWelcome! Choose your language.",
            reply_markup=_language_keyboard(locale),
        )
    elif step == Signup.consent:
        builder = InlineKeyboardBuilder()
        builder.button(text=_("✅ J'accepte"), callback_data=SignupCb(action="consent", value="yes"))
        builder.button(text=_("Je refuse"), callback_data=SignupCb(action="consent", value="no"))
        await message.answer(privacy_notice(), reply_markup=_with_back(builder, sizes=(2, 1)))
    elif step == Signup.name:
        await message.answer(_("Quel est votre nom ? (prénom et nom, ou comme vous voulez être appelé)"),
                             reply_markup=_with_back(InlineKeyboardBuilder()))
    elif step == Signup.place:
        numbers = [(str(number), SignupCb(action="place", value=str(number))) for number in range(1, 21)]
        await message.answer(
            _("Où habitez-vous ? Choisissez votre arrondissement, ou « Hors de Paris ».\n"
              "Vous pouvez aussi écrire votre code postal."),
            reply_markup=inline_keyboard([*chunked(numbers, 5),
                                          [(_("Hors de Paris"), SignupCb(action="place", value="out"))],
                                          [(_("« Retour"), SignupCb(action="back"))]]),
        )
    elif step == Signup.postal:
        await message.answer(_("Quel est votre code postal ? (par exemple 93100)"),
                             reply_markup=_with_back(InlineKeyboardBuilder()))
    elif step == Signup.networks:
        builder = InlineKeyboardBuilder()
        builder.button(text=_("🌳 Volontaires du Climat"), callback_data=SignupCb(action="net", value="climate"))
        builder.button(text=_("🤝 Volontaires de la Solidarité"),
                       callback_data=SignupCb(action="net", value="solidarity"))
        builder.button(text=_("Les deux"), callback_data=SignupCb(action="net", value="both"))
        await message.answer(_("Quel réseau voulez-vous rejoindre ?"), reply_markup=_with_back(builder))
    elif step == Signup.languages:
        await message.answer(
            _("Quelles langues parlez-vous ? (facultatif : touchez pour cocher, puis « Continuer »)"),
            reply_markup=_toggle_keyboard("spoken", _languages_options(locale), data.get("languages", [])),
        )
    elif step == Signup.skills:
        await message.answer(
            _("Avez-vous des compétences utiles ? (facultatif : touchez pour cocher, puis « Continuer »)"),
            reply_markup=_toggle_keyboard("skill", _skills_options(), data.get("skills", [])),
        )
    elif step == Signup.summary:
        builder = InlineKeyboardBuilder()
        builder.button(text=_("✅ Confirmer"), callback_data=SignupCb(action="confirm"))
        for target, label in (("name", _("Modifier le nom")), ("place", _("Modifier le lieu")),
                              ("networks", _("Modifier les réseaux")), ("languages", _("Modifier les langues")),
                              ("skills", _("Modifier les compétences"))):
            builder.button(text=label, callback_data=SignupCb(action="edit", value=target))
        builder.adjust(1, 2, 2, 1)
        await message.answer(summary_text(data, locale) + "\n\n" + _("Tout est juste ?"),
                             reply_markup=builder.as_markup())


async def go(message: Message, state: FSMContext, step: State, locale: str) -> None:
    """Move to a step; while editing, every answered step leads back to the summary."""
    data = await state.get_data()
    if data.get("editing"):
        step = Signup.summary
    await state.set_state(step)
    await ask(message, step, data, locale)


def _next(step: State) -> State:
    return ORDER[ORDER.index(step) + 1]


async def current_step(state: FSMContext) -> State | None:
    name = await state.get_state()
    return next((step for step in [*ORDER, Signup.postal] if step.state == name), None)


# -- entry points --------------------------------------------------------------------------------------

@router.message(CommandStart())
async def start(message: Message, state: FSMContext, user: User, is_coordinator: bool) -> None:
    if user.is_signed_up:
        await state.clear()
        await message.answer(_("Bon retour, {name} !").format(name=escape(user.full_name or "")))
        await show_main_menu(message, user, is_coordinator)
        return
    step = await current_step(state)
    if step is not None:
        # /start in the middle of signup resumes where they were rather than losing their answers
        await message.answer(_("Reprenons où nous en étions."))
        await ask(message, step, await state.get_data(), user.locale)
        return
    await state.set_state(Signup.language)
    await state.set_data({"languages": [], "skills": []})
    await ask(message, Signup.language, {}, user.locale)


async def start_profile_edit(message: Message, state: FSMContext, user: User) -> None:
    """Open the summary prefilled with the stored profile (from "My profile")."""
    await state.set_data({
        "editing": True, "full_name": user.full_name, "arrondissement": user.arrondissement,
        "postal_code": user.postal_code, "climate": user.climate_volunteer,
        "solidarity": user.solidarity_volunteer, "languages": list(user.languages), "skills": list(user.skills),
    })
    await state.set_state(Signup.summary)
    await ask(message, Signup.summary, await state.get_data(), user.locale)


# -- button answers ------------------------------------------------------------------------------------


@router.callback_query(Signup.language, SignupCb.filter(F.action == "lang"))
async def chose_language(query: CallbackQuery, callback_data: SignupCb, state: FSMContext,
                         session: AsyncSession, user: User, i18n: I18n) -> None:
    if callback_data.value not in LOCALES:
        await refuse_stale_button(query)
        return
    await users.set_locale(session, user, callback_data.value)
    await query.answer()
    with i18n.use_locale(user.locale):
        await go(message_of(query), state, Signup.name if user.consent_at else Signup.consent, user.locale)


@router.callback_query(Signup.consent, SignupCb.filter(F.action == "consent"))
async def chose_consent(query: CallbackQuery, callback_data: SignupCb, state: FSMContext,
                        session: AsyncSession, user: User) -> None:
    await query.answer()
    if callback_data.value != "yes":
        await state.clear()
        await message_of(query).answer(_(
            "C'est noté : rien n'a été enregistré à votre sujet. Sans cet accord nous ne pouvons pas vous "
            "inscrire. Revenez quand vous voulez avec /start."))
        return
    await users.give_consent(session, user)
    await go(message_of(query), state, Signup.name, user.locale)


@router.callback_query(Signup.place, SignupCb.filter(F.action == "place"))
async def chose_place(query: CallbackQuery, callback_data: SignupCb, state: FSMContext, user: User) -> None:
    await query.answer()
    if callback_data.value == "out":
        await state.set_state(Signup.postal)
        await ask(message_of(query), Signup.postal, await state.get_data(), user.locale)
        return
    try:
        number = users.check_arrondissement(int(callback_data.value))
    except (ValueError, DomainError):
        await message_of(query).answer(_("Ce bouton n'est plus valable."))
        return
    await state.update_data(arrondissement=number, postal_code=None)
    await go(message_of(query), state, Signup.networks, user.locale)


@router.callback_query(Signup.networks, SignupCb.filter(F.action == "net"))
async def chose_networks(query: CallbackQuery, callback_data: SignupCb, state: FSMContext, user: User) -> None:
    choice = {"climate": (True, False), "solidarity": (False, True), "both": (True, True)}.get(callback_data.value)
    if choice is None:
        await refuse_stale_button(query)
        return
    await query.answer()
    await state.update_data(climate=choice[0], solidarity=choice[1])
    await go(message_of(query), state, Signup.languages, user.locale)


@router.callback_query(StateFilter(Signup.languages, Signup.skills), SignupCb.filter(F.action.in_({"spoken", "skill"})))
async def toggle_choice(query: CallbackQuery, callback_data: SignupCb, state: FSMContext, user: User) -> None:
    spoken = callback_data.action == "spoken"
    field, options = ("languages", _languages_options(user.locale)) if spoken else ("skills", _skills_options())
    if (await state.get_state()) != (Signup.languages if spoken else Signup.skills).state or \
            callback_data.value not in options:
        await refuse_stale_button(query)
        return
    chosen = list((await state.get_data()).get(field, []))
    chosen.remove(callback_data.value) if callback_data.value in chosen else chosen.append(callback_data.value)
    await state.update_data({field: chosen})
    await query.answer()
    await message_of(query).edit_reply_markup(
        reply_markup=_toggle_keyboard(callback_data.action, options, chosen))


@router.callback_query(StateFilter(Signup.languages, Signup.skills), SignupCb.filter(F.action == "next"))
async def next_step(query: CallbackQuery, state: FSMContext, user: User) -> None:
    await query.answer()
    step = await current_step(state)
    assert step is not None
    await go(message_of(query), state, _next(step), user.locale)


@router.callback_query(StateFilter(Signup), SignupCb.filter(F.action == "back"))
async def back(query: CallbackQuery, state: FSMContext, user: User) -> None:
    await query.answer()
    step = await current_step(state)
    previous = Signup.place if step == Signup.postal else ORDER[max(ORDER.index(step) - 1, 0)] \
        if step in ORDER else Signup.language
    if (await state.get_data()).get("editing"):
        previous = Signup.summary
    await state.set_state(previous)
    await ask(message_of(query), previous, await state.get_data(), user.locale)


@router.callback_query(Signup.summary, SignupCb.filter(F.action == "edit"))
async def edit_field(query: CallbackQuery, callback_data: SignupCb, state: FSMContext, user: User) -> None:
    steps = {"name": Signup.name, "place": Signup.place, "networks": Signup.networks,
             "languages": Signup.languages, "skills": Signup.skills}
    step = steps.get(callback_data.value)
    if step is None:
        await refuse_stale_button(query)
        return
    await query.answer()
    await state.update_data(editing=True)
    await state.set_state(step)
    await ask(message_of(query), step, await state.get_data(), user.locale)


@router.callback_query(Signup.summary, SignupCb.filter(F.action == "confirm"))
async def confirm(query: CallbackQuery, state: FSMContext, session: AsyncSession, user: User,
                  is_coordinator: bool) -> None:
    data = await state.get_data()
    first_time = not user.is_signed_up
    try:
        await users.complete_signup(
            session, user, full_name=data.get("full_name") or "",
            place=users.Place(data.get("arrondissement"), data.get("postal_code")),
            climate=bool(data.get("climate")), solidarity=bool(data.get("solidarity")),
            languages=data.get("languages", []), skills=data.get("skills", []),
        )
    except DomainError as error:
        await query.answer(error.render(user.locale), show_alert=True)
        return
    await state.clear()
    await query.answer()
    text = _("Merci, vous êtes inscrit ! Bienvenue parmi les volontaires de Paris.") if first_time \
        else _("Votre profil est à jour.")
    await message_of(query).answer(text)
    await show_main_menu(message_of(query), user, is_coordinator)
    if first_time:
        await newsletter.offer_after_signup(message_of(query), session, user)


@router.callback_query(SignupCb.filter())
async def stale_signup_button(query: CallbackQuery, state: FSMContext, user: User) -> None:
    """A button from an earlier step or an old conversation: say so and ask the current question again."""
    await query.answer(_("Ce bouton n'est plus valable."))
    step = await current_step(state)
    if step is not None:
        await ask(message_of(query), step, await state.get_data(), user.locale)


# -- typed answers -------------------------------------------------------------------------------------

@router.message(Signup.language, TYPED_ANSWER)
async def typed_language(message: Message, state: FSMContext, session: AsyncSession, user: User,
                         i18n: I18n) -> None:
    text = (message.text or "").strip().lower()
    code = {"fr": "fr", "français": "fr", "francais": "fr", "french": "fr",
            "en": "en", "english": "en", "anglais": "en"}.get(text)
    if code is None:
        await message.answer("Touchez un bouton : Français ou English.\nPlease tap a button: Français or English.",
                             reply_markup=_language_keyboard(user.locale))
        return
    await users.set_locale(session, user, code)
    with i18n.use_locale(code):
        await go(message, state, Signup.name if user.consent_at else Signup.consent, code)


@router.message(Signup.name, TYPED_ANSWER)
async def typed_name(message: Message, state: FSMContext, user: User) -> None:
    try:
        name = users.clean_name(message.text or "")
    except DomainError as error:
        await message.answer(error.render(user.locale))
        return
    await state.update_data(full_name=name)
    await go(message, state, Signup.place, user.locale)


@router.message(StateFilter(Signup.place, Signup.postal), TYPED_ANSWER)
async def typed_place(message: Message, state: FSMContext, user: User) -> None:
    text = (message.text or "").strip()
    try:
        if text.isdigit() and len(text) <= 2 and await state.get_state() == Signup.place.state:
            place = users.Place(users.check_arrondissement(int(text)), None)
        else:
            place = users.parse_postal_code(text)
    except DomainError as error:
        await message.answer(error.render(user.locale))
        return
    await state.update_data(arrondissement=place.arrondissement, postal_code=place.postal_code)
    await go(message, state, Signup.networks, user.locale)


@router.message(StateFilter(Signup), NOT_A_COMMAND)
async def unexpected_input(message: Message, state: FSMContext, user: User) -> None:
    """Free text where a button was expected, a sticker, a photo: explain and ask again."""
    await message.answer(_("Je n'attends pas cela ici : répondez avec les boutons ci-dessous."))
    step = await current_step(state)
    if step is not None:
        await ask(message, step, await state.get_data(), user.locale)


@router.callback_query(MenuCb.filter(F.item == "profile"))
async def open_profile(query: CallbackQuery, state: FSMContext, user: User) -> None:
    await query.answer()
    if not user.is_signed_up:
        await message_of(query).answer(_("Vous n'êtes pas encore inscrit : tapez /start."))
        return
    await start_profile_edit(message_of(query), state, user)
