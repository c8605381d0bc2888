"""The coordinators' mission desk: post an association's mission (a form), see the missions to come and who
signed up to each."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.middlewares.roles import CoordinatorOnly, guard
from handlers.delivery import show_live_progress
from handlers.forms import Form, FormContext, Step
from handlers.ui import Row, confirm_rows, drop_keyboard, inline_keyboard, show, tapped_message
from locales.formatting import format_arrondissement, format_when
from models.base import utcnow
from models.missions import Mission
from models.user import User
from services import missions, outbox
from services.callbacks.foundation import CoordCb, ExportCb, MenuCb
from services.callbacks.missions import MissionDeskCb
from services.parsing import whole_number
from services.training import inputs as training_input

router = guard(Router(name="missions_coordinator"), CoordinatorOnly())


def _line(mission: Mission, locale: str) -> str:
    return _("{when} · {area} · {title} ({booked}/{seats})").format(
        when=format_when(mission.starts_at, locale), area=format_arrondissement(mission.arrondissement, locale),
        title=mission.title, booked=mission.booked_count, seats=mission.seats)


async def _desk(session: AsyncSession, user: User) -> tuple[str, InlineKeyboardMarkup]:
    upcoming = await missions.upcoming(session, utcnow())
    text = _("🤝 <b>Missions des associations</b> à venir : {count}").format(count=len(upcoming))
    rows: list[Row] = [[(_line(mission, user.locale), MissionDeskCb(action="view", id=mission.id or 0))]
                       for mission in upcoming[:20]]
    return text, inline_keyboard([*rows, [(_("➕ Nouvelle mission"), MissionDeskCb(action="new"))],
                                  [(_("📄 Export CSV des inscrits"), ExportCb(key="mission_signups"))],
                                  [(_("« Menu coordinateur"), MenuCb(item="coord"))]])


@router.callback_query(CoordCb.filter(F.item == "missions"))
async def desk(query: CallbackQuery, session: AsyncSession, user: User) -> None:
    text, markup = await _desk(session, user)
    await query.answer()
    await show(query, text, markup, edit=False)


@router.callback_query(MissionDeskCb.filter(F.action == "view"))
async def view(query: CallbackQuery, callback_data: MissionDeskCb, session: AsyncSession, user: User) -> None:
    mission = await missions.get_mission(session, callback_data.id)
    people = await missions.signed_up(session, callback_data.id)
    lines = [f"🤝 <b>{escape(mission.title)}</b> — {escape(mission.association)}", escape(_line(mission, user.locale)),
             _("Inscrits :")] + [f"• {escape(person.full_name or '')}" for person in people] + ([] if people else ["—"])
    await query.answer()
    await show(query, "\n".join(lines), inline_keyboard([
        [(_("📣 Prévenir les volontaires proches"), MissionDeskCb(action="announce", id=callback_data.id))],
        [(_("« Missions"), CoordCb(item="missions"))]]))


# -- posting a mission -----------------------------------------------------------------------------------

class MissionDraft(BaseModel):
    association: str = ""
    title: str = ""
    description: str = ""
    arrondissement: int = 0
    starts: str = ""  # as typed; parsed again (against the clock) when confirmed
    duration: str = "2h"
    seats: int = 0


def _text(limit: int) -> object:
    def parse(text: str, _draft: MissionDraft) -> str:
        return training_input.clean_text(text, limit)
    return parse


def _typed_arrondissement(text: str, _draft: MissionDraft) -> int:
    return missions.check_arrondissement(whole_number(text.lower().removesuffix("e").removesuffix("er"), 0, 999))


def _typed_start(text: str, _draft: MissionDraft) -> str:
    training_input.parse_start(text, utcnow())  # refuses what cannot be read, the past and 02:00-03:00
    return " ".join(text.split())


def _typed_duration(text: str, _draft: MissionDraft) -> str:
    training_input.parse_duration(text)
    return text.strip()


def _summary(draft: MissionDraft) -> str:
    return _("<b>Nouvelle mission</b>\nAssociation : {association}\nMission : {title}\nDescription : {description}\n"
             "Arrondissement : {area}\nDate : {starts}\nDurée : {duration}\nPlaces : {seats}").format(
        association=escape(draft.association), title=escape(draft.title), description=escape(draft.description),
        area=draft.arrondissement, starts=escape(draft.starts), duration=escape(draft.duration), seats=draft.seats)


async def _post(context: FormContext, draft: MissionDraft) -> None:
    now = utcnow()
    mission = await missions.post_mission(
        context.session, association=draft.association, title=draft.title, description=draft.description,
        arrondissement=draft.arrondissement, starts_at=training_input.parse_start(draft.starts, now),
        duration_minutes=training_input.parse_duration(draft.duration), seats=draft.seats, now=now,
        created_by=context.user.id)
    assert mission.id is not None
    _mission, count = await missions.check_announceable(context.session, mission.id, now)
    await context.message.answer(_("🤝 Mission publiée : « {title} », le {when}. Les Volontaires de la Solidarité "
                                   "du {area} et des arrondissements voisins la voient dans « Missions ».").format(
        title=escape(mission.title), when=format_when(mission.starts_at, context.user.locale),
        area=format_arrondissement(mission.arrondissement, context.user.locale)))
    await _offer_announcement(context.message, mission.id, count)


async def _offer_announcement(message: Message, mission_id: int, count: int) -> None:
    rows = confirm_rows(count, MissionDeskCb(action="announce_ok", id=mission_id), CoordCb(item="missions"),
                        action=ngettext("📣 Prévenir {count} volontaire", "📣 Prévenir {count} volontaires", count))
    await message.answer(ngettext(
        "La signaler maintenant au Volontaire de la Solidarité qui habite l'arrondissement ou à côté ?",
        "La signaler maintenant aux {count} Volontaires de la Solidarité qui habitent l'arrondissement ou à côté ?",
        count).format(count=count), reply_markup=inline_keyboard(rows))


@router.callback_query(MissionDeskCb.filter(F.action == "announce"))
async def ask_announce(query: CallbackQuery, callback_data: MissionDeskCb, session: AsyncSession) -> None:
    message = tapped_message(query)
    _mission, count = await missions.check_announceable(session, callback_data.id, utcnow())
    await query.answer()
    await _offer_announcement(message, callback_data.id, count)


@router.callback_query(MissionDeskCb.filter(F.action == "announce_ok"))
async def announce(query: CallbackQuery, callback_data: MissionDeskCb, session: AsyncSession, user: User) -> None:
    """Enqueue, then the live progress message (edited as the sender goes, then the final report)."""
    message = tapped_message(query)
    campaign, enqueued = await missions.announce(session, callback_data.id, now=utcnow(), created_by=user.id,
                                                 report_chat_id=query.from_user.id, locale=user.locale)
    assert campaign.id is not None
    progress = await outbox.campaign_progress(session, campaign.id)
    await query.answer()
    await drop_keyboard(message)
    await message.answer(ngettext("📣 C'est parti : {count} volontaire dans la file d'envoi.",
                                  "📣 C'est parti : {count} volontaires dans la file d'envoi.", enqueued).format(
        count=enqueued))
    await show_live_progress(message, session, campaign, progress, user.locale)


NEW_MISSION: Form[MissionDraft] = Form(
    name="mission",
    draft=MissionDraft,
    steps=[
        Step("assoc", lambda _d: _("Quelle association ? (son nom)"), field="association",
             parse=_text(missions.ASSOCIATION_MAX), edit_label=lambda: _("Modifier l'association")),  # type: ignore[arg-type]
        Step("title", lambda _d: _("La mission en quelques mots ? (par exemple « Distribution de repas »)"),
             field="title", parse=_text(missions.TITLE_MAX), edit_label=lambda: _("Modifier la mission")),  # type: ignore[arg-type]
        Step("desc", lambda _d: _("Ce qu'il y a à faire, le lieu exact, ce qu'il faut apporter ?"),
             field="description", parse=_text(missions.DESCRIPTION_MAX),  # type: ignore[arg-type]
             edit_label=lambda: _("Modifier la description")),
        Step("area", lambda _d: _("Dans quel arrondissement ? (1 à 20)"), field="arrondissement",
             parse=_typed_arrondissement, edit_label=lambda: _("Modifier l'arrondissement")),
        Step("starts", lambda _d: _("Date et heure ? (par exemple 12/02/2027 18:30)"), field="starts",
             parse=_typed_start, edit_label=lambda: _("Modifier la date")),
        Step("duration", lambda _d: _("Durée ? (par exemple 90, 1h30 ou 2h)"), field="duration",
             parse=_typed_duration, edit_label=lambda: _("Modifier la durée")),
        Step("seats", lambda _d: _("Combien de volontaires ?"), field="seats",
             parse=lambda text, _d: training_input.parse_capacity(text),
             edit_label=lambda: _("Modifier le nombre de places")),
    ],
    summary=_summary,
    confirm_label=lambda _d: _("✅ Publier la mission"),
    finish=_post,
)


@router.callback_query(MissionDeskCb.filter(F.action == "new"))
async def new_mission(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    await NEW_MISSION.start(tapped_message(query), state)
