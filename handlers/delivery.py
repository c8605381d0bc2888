"""/broadcast: a coordinator picks a segment, writes the texts, sees exactly what each recipient will get and
the exact count, confirms, and watches the live progress message (pause, resume, cancel)."""

from __future__ import annotations

import html

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.progress import progress_keyboard, render_progress
from bot.middlewares.roles import CoordinatorOnly, guard
from handlers.forms import Choice, EndForm, Form, FormContext, Step
from handlers.ui import drop_keyboard, tapped_message
from models.outbox import Campaign
from models.user import User
from services import broadcast, outbox
from services.callbacks.delivery import CampaignCb
from services.callbacks.foundation import CoordCb

router = guard(Router(name="delivery"), CoordinatorOnly())

FLAGS = {"fr": "🇫🇷", "en": "🇬🇧"}


class BroadcastDraft(BaseModel):
    audience: str | None = None  # all, climate, solidarity, arr, fr, en
    arrondissements: list[int] = []
    text_fr: str | None = None  # Telegram HTML, as the coordinator wrote it (bold and links kept)
    text_en: str | None = None  # None: the same text for everyone
    count: int = 0  # the exact number of recipients, counted when the summary is shown

    def segment(self) -> broadcast.Segment:
        if self.audience == "arr":
            return broadcast.Segment(arrondissements=tuple(self.arrondissements))
        if self.audience in broadcast.NETWORKS:
            return broadcast.Segment(network=self.audience)
        if self.audience in FLAGS:
            return broadcast.Segment(language=self.audience)
        return broadcast.Segment()

    def texts(self) -> dict[str, str | None]:
        return {"fr": self.text_fr, "en": self.text_en}


def _audiences(_draft: BroadcastDraft) -> list[Choice]:
    return [Choice("all", _("🌍 Tous les inscrits joignables")), Choice("climate", _("🌳 Volontaires du Climat")),
            Choice("solidarity", _("🤝 Volontaires de la Solidarité")), Choice("arr", _("📍 Des arrondissements")),
            Choice("fr", _("🇫🇷 Francophones")), Choice("en", _("🇬🇧 Anglophones"))]


def _locale() -> str:
    return get_i18n().current_locale


async def _count_and_preview(context: FormContext, draft: BroadcastDraft) -> None:
    """The exact count, and each group's messages exactly as they will arrive, just above the summary."""
    groups = await broadcast.preview(context.session, draft.segment(), draft.texts())
    draft.count = sum(group.count for group in groups)
    if not draft.count:
        raise EndForm(_("Personne ne correspond à ce public : rien n'a été envoyé."))
    for group in groups:
        await context.message.answer(_("{flags} Aperçu : ce que recevront {count} destinataire(s) ⬇️").format(
            flags=" ".join(FLAGS[language] for language in group.languages), count=group.count))
        for part in group.parts:
            await context.message.answer(part)


def _summary(draft: BroadcastDraft) -> str:
    lines = [_("<b>Aperçu</b>"),
             _("Public : {segment}").format(segment=html.escape(draft.segment().describe(_locale()))),
             _("Destinataires : <b>{count}</b>").format(count=draft.count)]
    if draft.text_en is None:
        lines.append(_("(le même texte pour tous)"))
    lines.append(_("Les messages ci-dessus sont exactement ceux qu'ils recevront."))
    return "\n".join(lines)


async def show_live_progress(message: Message, session: AsyncSession, campaign: Campaign, progress: outbox.Progress,
                             locale: str) -> None:
    """The campaign's live progress message (Pause, Cancel), which the sender's reporter edits as it goes and
    turns into the final report: every mass send, from any feature, shows it the same way."""
    assert campaign.id is not None
    markup = progress_keyboard(locale, campaign.id, progress)
    live = await message.answer(render_progress(locale, campaign.title, progress),
                                reply_markup=InlineKeyboardMarkup.model_validate(markup) if markup else None)
    await broadcast.follow_progress(session, campaign.id, live.message_id)


async def _send(context: FormContext, draft: BroadcastDraft) -> None:
    """Enqueue what was previewed, to as many as were counted, then the live progress message."""
    locale = context.user.locale
    title = _("Diffusion du {date}").format(date=context.message.date.strftime("%d/%m %H:%M"))
    campaign, _count = await broadcast.start_broadcast(
        context.session, segment=draft.segment(), texts=draft.texts(), title=title, created_by=context.user.id,
        report_chat_id=context.message.chat.id, expected=draft.count)
    assert campaign.id is not None
    progress = await outbox.campaign_progress(context.session, campaign.id)
    await drop_keyboard(context.message)  # committed first (CommitBeforeSend): the sender may already be sending
    await show_live_progress(context.message, context.session, campaign, progress, locale)


async def _cancelled(context: FormContext) -> None:
    await context.message.answer(_("Diffusion abandonnée."))


BROADCAST: Form[BroadcastDraft] = Form(
    name="broadcast",
    draft=BroadcastDraft,
    steps=[
        Step("segment", lambda _d: _("<b>Diffusion</b>\nÀ qui envoyer le message ?"), field="audience",
             choices=_audiences, edit_label=lambda: _("Modifier le public"),
             follow_up=lambda d: "arr" if d.audience == "arr" else None),
        Step("arr", lambda _d: _("Écrivez les numéros d'arrondissement, par exemple : 11 18 20"),
             parse=lambda text, _d: list(broadcast.parse_arrondissements(text)), field="arrondissements",
             skip=lambda d: d.audience != "arr"),
        Step("text_fr", lambda _d: _("Écrivez le message en français (ce sera le seul texte si vous n'en donnez "
                                     "pas d'autre en anglais)."),
             field="text_fr", formatted=True, parse=lambda text, _d: broadcast.check_text(text),
             edit_label=lambda: _("Modifier le texte français")),
        Step("text_en", lambda _d: _("Maintenant le texte en anglais, ou touchez « Même texte pour tous »."),
             field="text_en", formatted=True, parse=lambda text, _d: broadcast.check_text(text),
             skip_label=lambda: _("Même texte pour tous"), edit_label=lambda: _("Modifier le texte anglais")),
    ],
    summary=_summary,
    confirm_label=lambda d: _("✅ Envoyer à {count}").format(count=d.count),
    finish=_send,
    cancelled=_cancelled,
    before_summary=_count_and_preview,
)


@router.message(Command("broadcast"))
async def broadcast_command(message: Message, state: FSMContext) -> None:
    await BROADCAST.start(message, state)


@router.callback_query(CoordCb.filter(F.item == "broadcast"))
async def broadcast_from_menu(query: CallbackQuery, state: FSMContext) -> None:
    message = tapped_message(query)
    await query.answer()
    await BROADCAST.start(message, state)


@router.callback_query(CampaignCb.filter())
async def control_campaign(query: CallbackQuery, callback_data: CampaignCb, session: AsyncSession,
                           user: User) -> None:
    message = tapped_message(query)
    campaign = await broadcast.steer_campaign(session, callback_data.campaign_id, callback_data.action)
    answers = {"pause": _("⏸ En pause"), "resume": _("▶️ Reprise"), "cancel": _("✖ Annulée")}
    await query.answer(answers[callback_data.action])
    progress = await outbox.campaign_progress(session, callback_data.campaign_id)
    markup = progress_keyboard(user.locale, callback_data.campaign_id, progress)
    await message.edit_text(render_progress(user.locale, campaign.title, progress),
                            reply_markup=InlineKeyboardMarkup.model_validate(markup) if markup else None)
