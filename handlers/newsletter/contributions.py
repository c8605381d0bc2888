"""The co-written newsletter: a subscriber writes a contribution for next month's issue (a form), and
coordinators review them in the desk: accept (printed, credited by first name if the author agreed) or
decline with a kind note the author reads in their language."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.middlewares.roles import CoordinatorOnly, guard
from handlers.forms import Choice, Form, FormContext, Step
from handlers.newsletter.reader import LANGUAGE_LABELS, language_name
from handlers.ui import Row, inline_keyboard, show, tapped_message
from models.base import utcnow
from models.user import User
from services import newsletter
from services import newsletter_contributions as contributions
from services.callbacks.foundation import CoordCb
from services.callbacks.newsletter import ContributionCb, ReaderCb

router = Router(name="newsletter_contributions")
review_router = guard(Router(name="newsletter_review"), CoordinatorOnly())

# -- subscribers: the contribution form ----------------------------------------------------------------

class ContributionDraft(BaseModel):
    month: str = ""
    language: str = "fr"
    first_name: str = ""
    text: str | None = None
    photo: str | None = None  # a Telegram file_id, or None: no photo
    credit: str | None = None  # "yes" or "no"


def _signature(draft: ContributionDraft) -> str:
    return escape(draft.first_name) if draft.credit == "yes" and draft.first_name else _("anonyme")


async def _contribute(context: FormContext, draft: ContributionDraft) -> None:
    await contributions.contribute(context.session, context.user, draft.text or "", credit=draft.credit == "yes",
                                   now=utcnow(), photo=draft.photo)
    await context.message.answer(_("📰 Merci ! Un coordinateur va relire votre contribution ; vous saurez si elle "
                                   "paraît dans la lettre."))


CONTRIBUTION: Form[ContributionDraft] = Form(
    name="nlc",
    draft=ContributionDraft,
    steps=[
        Step("text", lambda d: _(
            "✍️ Votre contribution à la Lettre du Climat de {month} : une idée, un geste, une initiative de votre "
            "quartier. Écrivez-la en {language} ({min} à {max} caractères).").format(
                month=escape(newsletter.month_label(d.month, d.language)), language=language_name(d.language),
                min=contributions.TEXT_MIN, max=contributions.TEXT_MAX),
             field="text", parse=lambda text, _d: contributions.check_text(text),
             edit_label=lambda: _("Modifier le texte")),
        Step("photo", lambda _d: _("📷 Une photo pour l'illustrer ? Envoyez-la (une photo, pas un fichier), ou "
                                   "touchez « Sans photo »."),
             field="photo", photo=True, skip_label=lambda: _("Sans photo"), edit_label=lambda: _("Modifier la photo")),
        Step("credit", lambda d: _("Si elle paraît, pouvons-nous la signer de votre prénom ({name}) ?").format(
                 name=escape(d.first_name or "—")),
             field="credit", edit_label=lambda: _("Modifier la signature"),
             choices=lambda _d: [Choice("yes", _("✅ Oui, avec mon prénom")), Choice("no", _("Non, anonyme"))]),
    ],
    summary=lambda d: _("<b>Votre contribution</b> pour {month}\n« {text} »\nSignature : {signature}\n"
                        "Un coordinateur la relira avant publication.").format(
        month=escape(newsletter.month_label(d.month, d.language)), text=escape(d.text or ""), signature=_signature(d))
    + ("\n" + (_("📷 Avec une photo") if d.photo else _("Sans photo"))),
    confirm_label=lambda _d: _("✅ Envoyer ma contribution"),
    finish=_contribute,
)


@router.callback_query(ReaderCb.filter(F.action == "contribute"))
async def start_contribution(query: CallbackQuery, session: AsyncSession, user: User, state: FSMContext) -> None:
    message = tapped_message(query)
    language = await contributions.access_contributing(session, user)
    await query.answer()
    first_name = (user.full_name or "").split()
    await CONTRIBUTION.start(message, state, ContributionDraft(
        month=contributions.contribution_month(utcnow()), language=language,
        first_name=first_name[0] if first_name else ""))


# -- coordinators: the review ----------------------------------------------------------------------------

def _note_label(key: str) -> str:
    return {"theme": _("Hors thème"), "space": _("Pas de place"), "already": _("Déjà traité")}[key]


async def _review_screen(session: AsyncSession, user: User) -> tuple[str, InlineKeyboardMarkup]:
    waiting = await contributions.pending(session)
    back: Row = [(_("« Lettre du Climat"), CoordCb(item="newsletter"))]
    if not waiting:
        return _("📥 Plus aucune contribution à relire."), inline_keyboard([back])
    first = waiting[0]
    assert first.id is not None
    author = await contributions.author_of(session, first)
    text = _("📥 <b>Contribution</b> (1 sur {total}) pour {month}\n{flag} « {text} »\nDe : {name}, signature : "
             "{signature}").format(
        total=len(waiting), month=escape(newsletter.month_label(first.month, user.locale)),
        flag=LANGUAGE_LABELS.get(first.locale, first.locale)[:2], text=escape(first.text),
        name=escape(author.full_name or "—"),
        signature=_("prénom") if first.credit else _("anonyme"))
    return text, inline_keyboard([
        [(_("📷 Voir la photo"), ContributionCb(action="photo", id=first.id))] if first.photo_file_id else [],
        [(_("✅ Accepter"), ContributionCb(action="accept", id=first.id)),
         (_("✖ Refuser…"), ContributionCb(action="decline", id=first.id))],
        back])


@review_router.callback_query(ContributionCb.filter(F.action == "review"))
async def review(query: CallbackQuery, session: AsyncSession, user: User) -> None:
    tapped_message(query)
    await query.answer()
    text, markup = await _review_screen(session, user)
    await show(query, text, markup, edit=False)


@review_router.callback_query(ContributionCb.filter(F.action == "photo"))
async def show_photo(query: CallbackQuery, callback_data: ContributionCb, session: AsyncSession) -> None:
    message = tapped_message(query)
    photo = await contributions.pending_photo(session, callback_data.id)
    await query.answer()
    await message.answer_photo(photo, caption=_("📷 La photo jointe à cette contribution."))


@review_router.callback_query(ContributionCb.filter(F.action == "accept"))
async def accept(query: CallbackQuery, callback_data: ContributionCb, session: AsyncSession, user: User) -> None:
    tapped_message(query)
    await contributions.accept(session, callback_data.id, now=utcnow())
    await query.answer(_("✅ Acceptée : elle paraîtra à la fin de la lettre."))
    text, markup = await _review_screen(session, user)
    await show(query, text, markup)


@review_router.callback_query(ContributionCb.filter(F.action == "decline"))
async def ask_note(query: CallbackQuery, callback_data: ContributionCb) -> None:
    tapped_message(query)
    await query.answer()
    notes: list[Row] = [[(_note_label(key), ContributionCb(action="note", id=callback_data.id, note=key))]  # type: ignore[arg-type]
                        for key in contributions.NOTES]
    await show(query, _("Quel mot joindre au refus ? L'auteur le lira dans sa langue."),
               inline_keyboard([*notes, [(_("« Retour"), ContributionCb(action="review"))]]))


@review_router.callback_query(ContributionCb.filter(F.action == "note"))
async def decline(query: CallbackQuery, callback_data: ContributionCb, session: AsyncSession, user: User) -> None:
    tapped_message(query)
    await contributions.decline(session, callback_data.id, callback_data.note, now=utcnow())
    await query.answer(_("Refusée : l'auteur reçoit votre mot."))
    text, markup = await _review_screen(session, user)
    await show(query, text, markup)
