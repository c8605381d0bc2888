"""Volunteer signup as a form (language, consent, name, place, networks, languages, skills, summary).

The same form edits a profile: it then opens on the summary with the stored answers. Back, Cancel, typed
answers and old buttons behave as in every form (handlers/forms.py).
"""

from __future__ import annotations

import re
from html import escape

from aiogram import F, Router
from aiogram.filters import CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from babel import Locale
from pydantic import BaseModel

from bot.middlewares.roles import SignedUpOnly, guard
from handlers.forms import Choice, EndForm, Form, FormContext, Step, resume
from handlers.foundation.menu import show_main_menu
from handlers.foundation.privacy import privacy_notice
from handlers.newsletter.reader import offer_after_signup
from handlers.ui import tapped_message
from locales import BABEL_LOCALES, LOCALES, N_
from locales.formatting import format_arrondissement
from models.user import User
from services import users
from services.callbacks.foundation import MenuCb
from services.errors import DomainError

router = Router(name="signup")

LANGUAGE_LABELS = {"fr": "🇫🇷 Français", "en": "🇬🇧 English"}
TYPED_LANGUAGES = {"fr": "fr", "français": "fr", "francais": "fr", "french": "fr",
                   "en": "en", "english": "en", "anglais": "en"}
NETWORKS = {"climate": (True, False), "solidarity": (False, True), "both": (True, True)}
_ARRONDISSEMENT = re.compile(r"[0-9]{1,2}")


class SignupDraft(BaseModel):
    suggested: str = "fr"  # the language Telegram suggests, offered first
    language: str | None = None
    consented: bool = False
    full_name: str | None = None
    arrondissement: int | None = None
    postal_code: str | None = None
    outside_paris: bool = False
    network: str | None = None
    languages: list[str] = []
    skills: list[str] = []


def _spoken_name(code: str, locale: str) -> str:
    name = Locale.parse(BABEL_LOCALES[locale]).languages.get(code, code)
    return name[:1].upper() + name[1:]


def _locale() -> str:
    from aiogram.utils.i18n import get_i18n

    return get_i18n().current_locale


def _place_label(draft: SignupDraft, locale: str) -> str:
    if draft.arrondissement:
        return _("Paris {arrondissement}").format(arrondissement=format_arrondissement(draft.arrondissement, locale))
    if draft.postal_code:
        return _("Hors de Paris ({code})").format(code=draft.postal_code)
    return "—"


def _networks_label(draft: SignupDraft) -> str:
    climate, solidarity = NETWORKS.get(draft.network or "", (False, False))
    names = [name for wanted, name in ((climate, _("Volontaires du Climat")),
                                       (solidarity, _("Volontaires de la Solidarité"))) if wanted]
    return ", ".join(names) or "—"


def summary_text(draft: SignupDraft) -> str:
    locale = _locale()
    spoken = ", ".join(_spoken_name(code, locale) for code in draft.languages) or "—"
    skills = ", ".join(_(users.SKILLS[key]) for key in draft.skills if key in users.SKILLS) or "—"
    return _(
        "<b>Votre profil</b>\n"
        "Nom : {name}\nLieu : {place}\nRéseaux : {networks}\nLangues parlées : {languages}\n"
        "Compétences : {skills}"
    ).format(name=escape(draft.full_name or "—"), place=_place_label(draft, locale),
             networks=_networks_label(draft), languages=spoken, skills=skills)


# -- the answers ---------------------------------------------------------------------------------------

def _typed_language(text: str, _draft: SignupDraft) -> str:
    code = TYPED_LANGUAGES.get(text.strip().lower())
    if code is None:
        raise DomainError(N_("Touchez un bouton : Français ou English.\nPlease tap a button: Français or English."))
    return code


async def _switch_language(context: FormContext, draft: SignupDraft) -> None:
    if draft.language in LOCALES:
        await users.set_locale(context.session, context.user, draft.language)
    draft.consented = context.user.consent_at is not None


async def _record_consent(context: FormContext, draft: SignupDraft) -> None:
    if not draft.consented:
        raise EndForm(_("C'est noté : rien n'a été enregistré à votre sujet. Sans cet accord nous ne pouvons pas "
                        "vous inscrire. Revenez quand vous voulez avec /start."))
    await users.give_consent(context.session, context.user)


def _typed_name(text: str, _draft: SignupDraft) -> str:
    return users.clean_name(text)


def _store_place(draft: SignupDraft, value: object) -> None:
    if value == "out":
        draft.outside_paris, draft.arrondissement, draft.postal_code = True, None, None
    elif isinstance(value, users.Place):
        draft.outside_paris = value.arrondissement is None
        draft.arrondissement, draft.postal_code = value.arrondissement, value.postal_code
    else:
        draft.outside_paris, draft.postal_code = False, None
        draft.arrondissement = users.check_arrondissement(int(str(value)))


def _typed_place(text: str, _draft: SignupDraft) -> users.Place:
    text = text.strip()
    if _ARRONDISSEMENT.fullmatch(text):
        return users.Place(users.check_arrondissement(int(text)), None)
    return users.parse_postal_code(text)


def _typed_postal_code(text: str, _draft: SignupDraft) -> users.Place:
    return users.parse_postal_code(text.strip())


async def _finish(context: FormContext, draft: SignupDraft) -> None:
    user = context.user
    first_time = not user.is_signed_up
    climate, solidarity = NETWORKS.get(draft.network or "", (False, False))
    await users.complete_signup(
        context.session, user, full_name=draft.full_name or "",
        place=users.Place(draft.arrondissement, draft.postal_code),
        climate=climate, solidarity=solidarity, languages=draft.languages, skills=draft.skills,
    )
    text = _("Merci, vous êtes inscrit ! Bienvenue parmi les volontaires de Paris.") if first_time \
        else _("Votre profil est à jour.")
    await context.message.answer(text)
    await show_main_menu(context.message, user, bool(context.data.get("is_coordinator")))
    if first_time:
        await offer_after_signup(context.message, context.session, user)


SIGNUP: Form[SignupDraft] = Form(
    name="signup",
    draft=SignupDraft,
    steps=[
        Step("language", lambda _d: "Bienvenue ! Choisissez votre langue.\nWelcome! Choose your language.",
             field="language", width=2, parse=_typed_language, effect=_switch_language,
             choices=lambda d: [Choice(code, LANGUAGE_LABELS[code])
                                for code in sorted(LOCALES, key=lambda code: code != d.suggested)]),
        Step("consent", lambda _d: privacy_notice(), width=2, skip=lambda d: d.consented,
             apply=lambda d, value: setattr(d, "consented", value == "yes"), effect=_record_consent,
             choices=lambda _d: [Choice("yes", _("✅ J'accepte")), Choice("no", _("Je refuse"))]),
        Step("name", lambda _d: _("Quel est votre nom ? (prénom et nom, ou comme vous voulez être appelé)"),
             field="full_name", parse=_typed_name, edit_label=lambda: _("Modifier le nom")),
        Step("place", lambda _d: _("Où habitez-vous ? Choisissez votre arrondissement, ou « Hors de Paris ».\n"
                                   "Vous pouvez aussi écrire votre code postal."),
             width=5, apply=_store_place, parse=_typed_place, edit_label=lambda: _("Modifier le lieu"),
             follow_up=lambda d: "postal" if d.outside_paris and d.postal_code is None else None,
             choices=lambda _d: [*(Choice(str(number), str(number)) for number in range(1, 21)),
                                 Choice("out", _("Hors de Paris"))]),
        Step("postal", lambda _d: _("Quel est votre code postal ? (par exemple 93100)"),
             apply=_store_place, parse=_typed_postal_code, skip=lambda d: not d.outside_paris),
        Step("networks", lambda _d: _("Quel réseau voulez-vous rejoindre ?"), field="network",
             edit_label=lambda: _("Modifier les réseaux"),
             choices=lambda _d: [Choice("climate", _("🌳 Volontaires du Climat")),
                                 Choice("solidarity", _("🤝 Volontaires de la Solidarité")),
                                 Choice("both", _("Les deux"))]),
        Step("languages", lambda _d: _("Quelles langues parlez-vous ? (facultatif : touchez pour cocher, puis "
                                       "« Continuer »)"),
             field="languages", multiple=True, width=3, edit_label=lambda: _("Modifier les langues"),
             choices=lambda _d: [Choice(code, _spoken_name(code, _locale())) for code in users.SPOKEN_LANGUAGES]),
        Step("skills", lambda _d: _("Avez-vous des compétences utiles ? (facultatif : touchez pour cocher, puis "
                                    "« Continuer »)"),
             field="skills", multiple=True, width=3, edit_label=lambda: _("Modifier les compétences"),
             choices=lambda _d: [Choice(key, _(label)) for key, label in users.SKILLS.items()]),
    ],
    summary=lambda d: summary_text(d) + "\n\n" + _("Tout est juste ?"),
    finish=_finish,
)


# -- entry points --------------------------------------------------------------------------------------

@router.message(CommandStart())
async def start(message: Message, state: FSMContext, user: User, is_coordinator: bool) -> None:
    if user.is_signed_up:
        await state.clear()
        await message.answer(_("Bon retour, {name} !").format(name=escape(user.full_name or "")))
        await show_main_menu(message, user, is_coordinator)
        return
    current = await state.get_state()
    if current == SIGNUP.state_name:
        # /start in the middle of signup resumes where they were rather than losing their answers
        await message.answer(_("Reprenons où nous en étions."))
        await resume(message, state)
        return
    await SIGNUP.start(message, state, SignupDraft(suggested=user.locale, consented=user.consent_at is not None))


async def start_profile_edit(message: Message, state: FSMContext, user: User) -> None:
    """Open the summary prefilled with the stored profile (from "My profile")."""
    network = {(True, False): "climate", (False, True): "solidarity", (True, True): "both"}.get(
        (user.climate_volunteer, user.solidarity_volunteer))
    draft = SignupDraft(suggested=user.locale, language=user.locale, consented=True, full_name=user.full_name,
                        arrondissement=user.arrondissement, postal_code=user.postal_code,
                        outside_paris=user.arrondissement is None, network=network,
                        languages=list(user.languages), skills=list(user.skills))
    await SIGNUP.start(message, state, draft, at_summary=True)


# "My profile" is a volunteers' entry: the same guard as every volunteers' screen (a forged tap by someone
# who has not signed up gets the one refusal)
profile_router = guard(Router(name="profile"), SignedUpOnly())
router.include_router(profile_router)


@profile_router.callback_query(MenuCb.filter(F.item == "profile"))
async def open_profile(query: CallbackQuery, state: FSMContext, user: User) -> None:
    message = tapped_message(query)
    await query.answer()
    await start_profile_edit(message, state, user)
