"""Procurement notices for SMEs: /tenders (consent, subscriptions by buttons), /search, unsubscribe, digests.

No volunteer signup is needed. A subscription is written on one summary screen (the draft lives in the
FSM); each criterion has its own screen and goes back to the summary. Typing is accepted where it makes
sense (CPV label search, keywords, amounts, search words); anything else asks the same question again.
"""

from __future__ import annotations

import asyncio
from html import escape

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.procurement.states import Tenders
from handlers.ui import Row, answer_stale, inline_keyboard, page_of, pager_row, tapped_message
from models.procurement import Subscription
from models.user import User
from services.callbacks.foundation import MenuCb
from services.callbacks.procurement import DraftCb, SubscriptionCb
from services.errors import StaleButton
from services.procurement import cpv
from services.procurement import subscriptions as tenders
from services.procurement.matching import KINDS, PLACES

router = Router(name="procurement-subscriptions")

BROWSE_PAGE = 8
LABEL_WIDTH = 48


AMOUNT_PRESETS = {"any": (None, None), "small": (None, 40_000.0), "medium": (40_000.0, 200_000.0),
                  "large": (200_000.0, None)}


def _short(text: str) -> str:
    return text if len(text) <= LABEL_WIDTH else text[:LABEL_WIDTH - 1] + "…"


async def _draft(state: FSMContext) -> tenders.Draft:
    return tenders.Draft.from_dict((await state.get_data()).get("draft") or {})


async def _keep(state: FSMContext, draft: tenders.Draft) -> None:
    await state.update_data(draft=draft.as_dict())


# -- screens -------------------------------------------------------------------------------------------

async def show_home(message: Message, session: AsyncSession, user: User, state: FSMContext) -> None:
    """Consent first if not given; then the person's subscriptions and what they can do."""
    if not await tenders.has_consent(session, user):
        await state.set_state(Tenders.consent)
        builder = InlineKeyboardBuilder()
        builder.button(text=_("✅ J'accepte"), callback_data=DraftCb(action="consent", value="yes"))
        builder.button(text=_("Non merci"), callback_data=DraftCb(action="consent", value="no"))
        await message.answer(_(
            "<b>Avis de marchés publics</b>\nRecevez les marchés de la Ville qui concernent votre métier.\n\n"
            "Pour cela nous gardons vos critères d'abonnement et votre identifiant Telegram, rien d'autre, "
            "jusqu'à ce que vous les supprimiez (/delete efface tout). D'accord ?"),
            reply_markup=builder.as_markup())
        return
    await state.clear()
    subscriptions = await tenders.list_subscriptions(session, user)
    builder = InlineKeyboardBuilder()
    for subscription in subscriptions:
        builder.button(text=_subscription_label(subscription, user.locale),
                       callback_data=SubscriptionCb(action="show", sub=subscription.id or 0))
    builder.button(text=_("➕ Nouvel abonnement"), callback_data=DraftCb(action="new"))
    builder.button(text=_("🔎 Chercher un avis"), callback_data=DraftCb(action="search"))
    builder.adjust(1)
    text = _("<b>Vos abonnements aux marchés publics</b>") + "\n"
    text += _("Vous en avez {n}.").format(n=len(subscriptions)) if subscriptions else \
        _("Vous n'en avez pas encore : créez-en un.")
    await message.answer(text, reply_markup=builder.as_markup())


def _subscription_label(subscription: Subscription, locale: str) -> str:
    mark = "⏸" if subscription.paused else "🔔"
    what = [cpv.label_for_prefix(p, locale) for p in subscription.cpv_prefixes] + list(subscription.keywords)
    return _short(f"{mark} {', '.join(what)}")


async def show_summary(message: Message, state: FSMContext, user: User, *, edit: bool = False) -> None:
    await state.set_state(Tenders.summary)
    data = await state.get_data()
    draft = await _draft(state)
    title = _("<b>Modifier l'abonnement</b>") if data.get("editing_id") else _("<b>Nouvel abonnement</b>")
    builder = InlineKeyboardBuilder()
    for field, label in (("cpv", _("🧰 Métiers (CPV)")), ("keywords", _("🔤 Mots-clés")), ("places", _("📍 Lieux")),
                         ("amount", _("💶 Montant")), ("kinds", _("📄 Types d'avis")), ("frequency", _("⏰ Envoi"))):
        builder.button(text=label, callback_data=DraftCb(action="field", value=field))
    builder.button(text=_("✅ Enregistrer"), callback_data=DraftCb(action="save"))
    builder.button(text=_("Annuler"), callback_data=DraftCb(action="cancel"))
    builder.adjust(2, 2, 2, 1, 1)
    text = f"{title}\n{tenders.describe(draft, user.locale)}\n\n" + _("Touchez un critère pour le changer.")
    if edit:
        await message.edit_text(text, reply_markup=builder.as_markup())
    else:
        await message.answer(text, reply_markup=builder.as_markup())


def _back_button(builder: InlineKeyboardBuilder, label: str | None = None) -> None:
    builder.button(text=label or _("« Retour"), callback_data=DraftCb(action="back"))


async def show_cpv(message: Message, state: FSMContext, user: User) -> None:
    await state.set_state(Tenders.cpv)
    draft = await _draft(state)
    builder = InlineKeyboardBuilder()
    for prefix in draft.cpv_prefixes:
        builder.button(text=_short(f"❌ {prefix} {cpv.label_for_prefix(prefix, user.locale)}"),
                       callback_data=DraftCb(action="remove", value=prefix))
    builder.button(text=_("📂 Parcourir les catégories"), callback_data=DraftCb(action="browse"))
    _back_button(builder, _("« Terminé"))
    builder.adjust(1)
    await message.answer(_("<b>Métiers (codes CPV)</b>\nÉcrivez un mot pour chercher (en français ou en anglais, "
                           "par exemple « nettoyage » ou « cleaning »), ou parcourez les catégories.\n"
                           "Touchez ❌ pour retirer un code choisi."), reply_markup=builder.as_markup())


def _browse_markup(code8: str | None, page: int, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    children = cpv.children_of(code8)
    pages = max(1, -(-len(children) // BROWSE_PAGE))
    page = max(0, min(page, pages - 1))
    builder = InlineKeyboardBuilder()
    sizes: list[int] = []
    for child in children[page * BROWSE_PAGE:(page + 1) * BROWSE_PAGE]:
        builder.button(text=_short(f"{child.prefix} · {child.label(locale)}"),
                       callback_data=DraftCb(action="browse", value=child.code8))
        sizes.append(1)
    nav = 0
    if page > 0:
        builder.button(text="‹", callback_data=DraftCb(action="browse", value=code8 or "", page=page - 1))
        nav += 1
    if page < pages - 1:
        builder.button(text="›", callback_data=DraftCb(action="browse", value=code8 or "", page=page + 1))
        nav += 1
    if nav:
        sizes.append(nav)
    node = cpv.get(code8) if code8 else None
    if node is not None:
        builder.button(text=_short(_("➕ Choisir « {label} »").format(label=node.label(locale))),
                       callback_data=DraftCb(action="add", value=node.prefix))
        builder.button(text=_("⬆️ Remonter"), callback_data=DraftCb(action="browse", value=node.parent or ""))
        sizes += [1, 1]
    builder.button(text=_("« Retour"), callback_data=DraftCb(action="field", value="cpv"))
    sizes.append(1)
    builder.adjust(*sizes)
    if node is None:
        text = _("<b>Catégories CPV</b> (page {page}/{pages})\nChoisissez une division.").format(
            page=page + 1, pages=pages)
    elif children:
        text = _("<b>{code} {label}</b> (page {page}/{pages})\nChoisissez-la, ou descendez dans une "
                 "sous-catégorie.").format(code=node.prefix, label=escape(node.label(locale)), page=page + 1,
                                           pages=pages)
    else:
        text = _("<b>{code} {label}</b>\nC'est la catégorie la plus précise.").format(
            code=node.prefix, label=escape(node.label(locale)))
    return text, builder.as_markup()


async def show_places(message: Message, state: FSMContext, *, edit: bool = False) -> None:
    await state.set_state(Tenders.places)
    draft = await _draft(state)
    builder = InlineKeyboardBuilder()
    for place in PLACES:
        mark = "✅ " if place in draft.places else ""
        builder.button(text=mark + _(tenders.PLACE_LABELS[place]), callback_data=DraftCb(action="place", value=place))
    _back_button(builder, _("« Terminé"))
    builder.adjust(2, 2, 2, 1)
    text = _("<b>Lieux</b>\nCochez où les marchés doivent s'exécuter (rien de coché : partout).")
    if edit:
        await message.edit_text(text, reply_markup=builder.as_markup())
    else:
        await message.answer(text, reply_markup=builder.as_markup())


async def show_kinds(message: Message, state: FSMContext, *, edit: bool = False) -> None:
    await state.set_state(Tenders.kinds)
    draft = await _draft(state)
    builder = InlineKeyboardBuilder()
    for kind in KINDS:
        mark = "✅ " if kind in draft.kinds else ""
        builder.button(text=mark + _(tenders.KIND_LABELS[kind]), callback_data=DraftCb(action="kind", value=kind))
    _back_button(builder, _("« Terminé"))
    builder.adjust(1)
    text = _("<b>Types d'avis</b>\n• Appels d'offres ouverts : vous pouvez répondre maintenant.\n"
             "• Marchés attribués : qui a gagné quoi.\n• Marchés à renouveler : attribués, ils se terminent dans "
             "les six mois ; le prochain appel d'offres approche.")
    if edit:
        await message.edit_text(text, reply_markup=builder.as_markup())
    else:
        await message.answer(text, reply_markup=builder.as_markup())


async def show_field(message: Message, state: FSMContext, user: User, field: str) -> None:
    if field == "cpv":
        await show_cpv(message, state, user)
    elif field == "keywords":
        await state.set_state(Tenders.keywords)
        builder = InlineKeyboardBuilder()
        builder.button(text=_("Aucun mot-clé"), callback_data=DraftCb(action="nokw"))
        _back_button(builder)
        builder.adjust(1)
        await message.answer(_("<b>Mots-clés</b>\nÉcrivez-les séparés par des virgules, par exemple : "
                               "nettoyage, voirie. Les accents et les pluriels ne comptent pas."),
                             reply_markup=builder.as_markup())
    elif field == "places":
        await show_places(message, state)
    elif field == "amount":
        await state.set_state(Tenders.amount)
        builder = InlineKeyboardBuilder()
        for key, label in (("any", _("Tous montants")), ("small", _("Jusqu'à 40 000 €")),
                           ("medium", _("De 40 000 à 200 000 €")), ("large", _("Plus de 200 000 €"))):
            builder.button(text=label, callback_data=DraftCb(action="amount", value=key))
        _back_button(builder)
        builder.adjust(2, 2, 1)
        await message.answer(_("<b>Montant</b>\nChoisissez une fourchette, ou écrivez-la en euros "
                               "(par exemple 40000-200000, « > 90000 » ou « max 40000 »)."),
                             reply_markup=builder.as_markup())
    elif field == "kinds":
        await show_kinds(message, state)
    elif field == "frequency":
        await state.set_state(Tenders.frequency)
        builder = InlineKeyboardBuilder()
        for key in ("instant", "daily"):
            builder.button(text=_(tenders.FREQUENCY_LABELS[key]), callback_data=DraftCb(action="freq", value=key))
        _back_button(builder)
        builder.adjust(1)
        await message.answer(_("<b>Envoi</b>\nRecevoir chaque avis aussitôt, ou un seul résumé chaque matin ?"),
                             reply_markup=builder.as_markup())


async def show_subscription(message: Message, subscription: Subscription, locale: str) -> None:
    builder = InlineKeyboardBuilder()
    sub = subscription.id or 0
    builder.button(text=_("✏️ Modifier"), callback_data=SubscriptionCb(action="edit", sub=sub))
    if subscription.paused:
        builder.button(text=_("▶️ Reprendre"), callback_data=SubscriptionCb(action="resume", sub=sub))
    else:
        builder.button(text=_("⏸ Mettre en pause"), callback_data=SubscriptionCb(action="pause", sub=sub))
    builder.button(text=_("🗑 Supprimer"), callback_data=SubscriptionCb(action="delete", sub=sub))
    builder.button(text=_("« Mes abonnements"), callback_data=DraftCb(action="home"))
    builder.adjust(2, 1, 1)
    status = _("⏸ En pause : vous ne recevez rien.") if subscription.paused else _("🔔 Actif")
    await message.answer(f"{tenders.describe(tenders.Draft.of(subscription), locale)}\n{status}",
                         reply_markup=builder.as_markup())


# -- entry points --------------------------------------------------------------------------------------

@router.message(Command("tenders"))
async def tenders_command(message: Message, session: AsyncSession, user: User, state: FSMContext) -> None:
    await show_home(message, session, user, state)


@router.callback_query(MenuCb.filter(F.item == "tenders"))
async def tenders_from_menu(query: CallbackQuery, session: AsyncSession, user: User, state: FSMContext) -> None:
    await query.answer()
    await show_home(tapped_message(query), session, user, state)


@router.callback_query(DraftCb.filter(F.action == "consent"))
async def chose_consent(query: CallbackQuery, callback_data: DraftCb, session: AsyncSession, user: User,
                        state: FSMContext) -> None:
    await query.answer()
    if callback_data.value != "yes":
        await state.clear()
        await tapped_message(query).answer(_("C'est noté : rien n'a été enregistré. Revenez quand vous voulez avec "
                                          "/tenders."))
        return
    await tenders.give_consent(session, user)
    await show_home(tapped_message(query), session, user, state)


@router.callback_query(DraftCb.filter(F.action == "home"))
async def home_button(query: CallbackQuery, session: AsyncSession, user: User, state: FSMContext) -> None:
    await query.answer()
    await show_home(tapped_message(query), session, user, state)


@router.callback_query(DraftCb.filter(F.action == "new"))
async def new_subscription(query: CallbackQuery, session: AsyncSession, user: User, state: FSMContext) -> None:
    if not await tenders.has_consent(session, user):
        await answer_stale(query)
        await show_home(tapped_message(query), session, user, state)
        return
    await query.answer()
    await state.set_data({"draft": tenders.Draft().as_dict()})
    await show_summary(tapped_message(query), state, user)


# -- the draft -----------------------------------------------------------------------------------------

_DRAFT_STATES = StateFilter(Tenders.summary, Tenders.cpv, Tenders.keywords, Tenders.places, Tenders.amount,
                            Tenders.kinds, Tenders.frequency)
_FIELDS = ("cpv", "keywords", "places", "amount", "kinds", "frequency")


@router.callback_query(_DRAFT_STATES, DraftCb.filter(F.action == "field"))
async def open_field(query: CallbackQuery, callback_data: DraftCb, state: FSMContext, user: User) -> None:
    if callback_data.value not in _FIELDS:
        raise StaleButton
    await query.answer()
    await show_field(tapped_message(query), state, user, callback_data.value)


@router.callback_query(_DRAFT_STATES, DraftCb.filter(F.action == "back"))
async def back_to_summary(query: CallbackQuery, state: FSMContext, user: User) -> None:
    await query.answer()
    await show_summary(tapped_message(query), state, user)


@router.callback_query(Tenders.cpv, DraftCb.filter(F.action == "browse"))
async def browse(query: CallbackQuery, callback_data: DraftCb, user: User) -> None:
    code8 = callback_data.value or None
    if code8 is not None and cpv.get(code8) is None:
        raise StaleButton
    await query.answer()
    text, markup = _browse_markup(code8, callback_data.page, user.locale)
    await tapped_message(query).edit_text(text, reply_markup=markup)


@router.callback_query(Tenders.cpv, DraftCb.filter(F.action.in_({"add", "remove"})))
async def add_or_remove_cpv(query: CallbackQuery, callback_data: DraftCb, state: FSMContext, user: User) -> None:
    draft = await _draft(state)
    prefix = callback_data.value
    if callback_data.action == "add":
        entry = cpv.get(prefix.ljust(8, "0")) if prefix.isdigit() and len(prefix) <= 8 else None
        if entry is None or entry.prefix != prefix:
            raise StaleButton
        if prefix not in draft.cpv_prefixes:
            if len(draft.cpv_prefixes) >= tenders.MAX_CPV:
                await query.answer(_("{max} codes au plus.").format(max=tenders.MAX_CPV), show_alert=True)
                return
            draft.cpv_prefixes.append(prefix)
        await query.answer(_("Ajouté : {label}").format(label=_short(entry.label(user.locale))))
    else:
        if prefix not in draft.cpv_prefixes:
            raise StaleButton
        draft.cpv_prefixes.remove(prefix)
        await query.answer(_("Retiré."))
    await _keep(state, draft)
    await show_cpv(tapped_message(query), state, user)


async def _found(query: str) -> list[cpv.CpvCode]:
    """Categories for a typed word (a trade, a stem, a code); off the event loop: the first search builds the
    stemmed vocabulary (about a second), which must not hold every other conversation."""
    found = await asyncio.to_thread(cpv.search, query)
    code = cpv.get(query.strip())
    if code is not None and code not in found:
        found.insert(0, code)
    return found


def _found_screen(query: str, found: list[cpv.CpvCode], page: int, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    """One page of the categories found for a typed word."""
    shown, page, pages = page_of(found, page, BROWSE_PAGE)
    rows: list[Row] = [[(_short(f"➕ {entry.prefix} · {entry.label(locale)}"),
                         DraftCb(action="add", value=entry.prefix))] for entry in shown]
    rows.append(pager_row(page, pages, lambda p: DraftCb(action="found", page=p)))
    rows.append([(_("« Retour"), DraftCb(action="field", value="cpv"))])
    text = _("{count} catégories pour « {query} » : touchez pour ajouter.").format(
        count=len(found), query=escape(query[:100]))
    return text, inline_keyboard(rows)


@router.message(Tenders.cpv, F.text, ~F.text.startswith("/"))
async def typed_cpv_search(message: Message, state: FSMContext, user: User) -> None:
    query = (message.text or "")[:100]
    found = await _found(query)
    if not found:
        await message.answer(_("Aucune catégorie ne contient « {query} ». Essayez un autre mot, un métier "
                               "(« plombier ») ou parcourez les catégories.").format(query=escape(query)))
        return
    await state.update_data(cpv_query=query)
    text, markup = _found_screen(query, found, 0, user.locale)
    await message.answer(text, reply_markup=markup)


@router.callback_query(Tenders.cpv, DraftCb.filter(F.action == "found"))
async def cpv_results_page(query: CallbackQuery, callback_data: DraftCb, state: FSMContext, user: User) -> None:
    searched = (await state.get_data()).get("cpv_query") or ""
    found = await _found(searched) if searched else []
    if not found:
        raise StaleButton
    await query.answer()
    text, markup = _found_screen(searched, found, callback_data.page, user.locale)
    await tapped_message(query).edit_text(text, reply_markup=markup)


@router.message(Tenders.keywords, F.text, ~F.text.startswith("/"))
async def typed_keywords(message: Message, state: FSMContext, user: User) -> None:
    keywords = tenders.parse_keywords(message.text or "")  # a DomainError is told by the refusals middleware
    draft = await _draft(state)
    draft.keywords = keywords
    await _keep(state, draft)
    await show_summary(message, state, user)


@router.callback_query(Tenders.keywords, DraftCb.filter(F.action == "nokw"))
async def no_keywords(query: CallbackQuery, state: FSMContext, user: User) -> None:
    await query.answer()
    draft = await _draft(state)
    draft.keywords = []
    await _keep(state, draft)
    await show_summary(tapped_message(query), state, user)


@router.callback_query(Tenders.places, DraftCb.filter(F.action == "place"))
async def toggle_place(query: CallbackQuery, callback_data: DraftCb, state: FSMContext) -> None:
    if callback_data.value not in PLACES:
        raise StaleButton
    await query.answer()
    draft = await _draft(state)
    place = callback_data.value
    draft.places.remove(place) if place in draft.places else draft.places.append(place)
    await _keep(state, draft)
    await show_places(tapped_message(query), state, edit=True)


@router.callback_query(Tenders.kinds, DraftCb.filter(F.action == "kind"))
async def toggle_kind(query: CallbackQuery, callback_data: DraftCb, state: FSMContext) -> None:
    if callback_data.value not in KINDS:
        raise StaleButton
    await query.answer()
    draft = await _draft(state)
    kind = callback_data.value
    draft.kinds.remove(kind) if kind in draft.kinds else draft.kinds.append(kind)
    await _keep(state, draft)
    await show_kinds(tapped_message(query), state, edit=True)


@router.callback_query(Tenders.amount, DraftCb.filter(F.action == "amount"))
async def chose_amount(query: CallbackQuery, callback_data: DraftCb, state: FSMContext, user: User) -> None:
    if callback_data.value not in AMOUNT_PRESETS:
        raise StaleButton
    await query.answer()
    draft = await _draft(state)
    draft.amount_min, draft.amount_max = AMOUNT_PRESETS[callback_data.value]
    await _keep(state, draft)
    await show_summary(tapped_message(query), state, user)


@router.message(Tenders.amount, F.text, ~F.text.startswith("/"))
async def typed_amount(message: Message, state: FSMContext, user: User) -> None:
    low, high = tenders.parse_amount_range(message.text or "")
    draft = await _draft(state)
    draft.amount_min, draft.amount_max = low, high
    await _keep(state, draft)
    await show_summary(message, state, user)


@router.callback_query(Tenders.frequency, DraftCb.filter(F.action == "freq"))
async def chose_frequency(query: CallbackQuery, callback_data: DraftCb, state: FSMContext, user: User) -> None:
    if callback_data.value not in tenders.FREQUENCY_LABELS:
        raise StaleButton
    await query.answer()
    draft = await _draft(state)
    draft.frequency = callback_data.value
    await _keep(state, draft)
    await show_summary(tapped_message(query), state, user)


@router.callback_query(Tenders.summary, DraftCb.filter(F.action == "save"))
async def save(query: CallbackQuery, session: AsyncSession, user: User, state: FSMContext) -> None:
    data = await state.get_data()
    await tenders.save_subscription(session, user, await _draft(state), data.get("editing_id"))
    await query.answer()
    await state.clear()
    await tapped_message(query).answer(_("✅ Abonnement enregistré. Vous recevrez les avis qui correspondent."))
    await show_home(tapped_message(query), session, user, state)


@router.callback_query(_DRAFT_STATES, DraftCb.filter(F.action == "cancel"))
async def cancel_draft(query: CallbackQuery, session: AsyncSession, user: User, state: FSMContext) -> None:
    await query.answer(_("Abandonné : rien n'a changé."))
    await show_home(tapped_message(query), session, user, state)


@router.callback_query(DraftCb.filter())
async def stale_draft_button(query: CallbackQuery, state: FSMContext, user: User) -> None:
    """A button of a screen the conversation has left (or forged): say so and show the current screen."""
    await query.answer(_("Ce bouton n'est plus valable."))
    if await state.get_state() in {s.state for s in (Tenders.summary, Tenders.cpv, Tenders.keywords, Tenders.places,
                                                     Tenders.amount, Tenders.kinds, Tenders.frequency)}:
        await show_summary(tapped_message(query), state, user)


@router.message(StateFilter(Tenders), ~F.text.startswith("/"))
async def unexpected_input(message: Message, session: AsyncSession, state: FSMContext, user: User) -> None:
    """Free text where buttons were expected, a sticker, a photo: explain and show the screen again."""
    await message.answer(_("Je n'attends pas cela ici : répondez avec les boutons ci-dessous."))
    current = await state.get_state()
    if current == Tenders.consent.state:
        await show_home(message, session, user, state)
    elif current is not None and current in (Tenders.places.state, Tenders.kinds.state, Tenders.frequency.state):
        await show_field(message, state, user, current.split(":")[-1])
    else:
        await show_summary(message, state, user)


# -- stored subscriptions ------------------------------------------------------------------------------

@router.callback_query(SubscriptionCb.filter())
async def manage(query: CallbackQuery, callback_data: SubscriptionCb, session: AsyncSession, user: User,
                 state: FSMContext) -> None:
    subscription = await tenders.get_own_subscription(session, user, callback_data.sub)
    action = callback_data.action
    if action in ("pause", "resume"):
        subscription = await tenders.set_paused(session, user, callback_data.sub, action == "pause")
    elif action == "confirm":
        await tenders.delete_subscription(session, user, callback_data.sub)
    message = tapped_message(query)
    if action == "show":
        await query.answer()
        await show_subscription(message, subscription, user.locale)
    elif action in ("pause", "resume"):
        await query.answer(_("En pause.") if action == "pause" else _("Repris."))
        await show_subscription(message, subscription, user.locale)
    elif action == "edit":
        await query.answer()
        await state.set_data({"draft": tenders.Draft.of(subscription).as_dict(), "editing_id": subscription.id})
        await show_summary(message, state, user)
    elif action == "delete":
        await query.answer()
        builder = InlineKeyboardBuilder()
        builder.button(text=_("Oui, supprimer"), callback_data=SubscriptionCb(action="confirm", sub=callback_data.sub))
        builder.button(text=_("Non, garder"), callback_data=SubscriptionCb(action="show", sub=callback_data.sub))
        builder.adjust(2)
        await message.answer(_("Supprimer cet abonnement ? Vous ne recevrez plus ces avis."),
                             reply_markup=builder.as_markup())
    elif action == "confirm":
        await query.answer(_("Abonnement supprimé."))
        await show_home(message, session, user, state)
    else:
        await answer_stale(query)
