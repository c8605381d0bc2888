"""Night of Solidarity for coordinators: an edition and its sectors, form teams in one tap (again at any time
before the night), the roster (teams by meeting point, who waits, move someone by tapping), publish with a count
and a confirmation, presence on the night, presence and feedback afterwards, CSV and a printable list.

Every handler here is behind the coordinator check. Sectors and leaders in bulk come from CSV through the
command line (`volunteer-bot night import-sectors`); the commands here are for one line at a time.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from datetime import date, datetime, time
from html import escape

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.middlewares.roles import CoordinatorOnly
from handlers.forms import Choice, Form, FormContext, Step
from handlers.night.volunteer import send_presence
from handlers.ui import Row, chunked, confirm_rows, inline_keyboard
from locales import N_
from locales.formatting import format_day, format_when
from models.base import utcnow
from models.night import NightEdition, NightRole
from models.user import User
from services import exports, parsing
from services.callbacks.foundation import CoordCb
from services.callbacks.night import NightCoordCb, NightMoveCb, NightRosterCb
from services.errors import DomainError, StaleButton
from services.night import publication, rules, sheet
from services.spreadsheets import _QUOTES

router = Router(name="night_coord")
router.message.middleware(CoordinatorOnly())
router.callback_query.middleware(CoordinatorOnly())
Clock = Callable[[], datetime]
UNCOVERED_SHOWN = 30
TEXT_BUDGET = 3800


def _msg(query: CallbackQuery) -> Message:
    assert isinstance(query.message, Message)
    return query.message


async def _edition_or_error(session: AsyncSession, now: datetime) -> NightEdition:
    edition = await rules.current_edition(session, now)
    if edition is None:
        raise DomainError(N_("Aucune édition à venir. Créez-en une : /night_new AAAA-MM-JJ AAAA-MM-JJ Nom "
                             "(date de la nuit, date limite d'inscription)."))
    return edition


async def show_dashboard(message: Message, session: AsyncSession, user: User, now: datetime) -> None:
    edition = await rules.latest_edition(session, now)
    if edition is None:
        raise DomainError(N_("Aucune édition à venir. Créez-en une : /night_new AAAA-MM-JJ AAAA-MM-JJ Nom "
                             "(date de la nuit, date limite d'inscription)."))
    assert edition.id is not None
    if now >= rules.night_end(edition):
        await show_afterwards(message, session, edition, user)
        return
    registered = await rules.count_registrations(session, edition.id)
    sectors = await rules.list_sectors(session, edition)
    status = _("publiées") if edition.published_at else _("formées, pas encore publiées") if edition.formed_at \
        else _("pas encore formées")
    text = _("🌙 <b>{name}</b> — nuit du {day}\nInscriptions jusqu'au {deadline}\nSecteurs : {sectors}\n"
             "Inscrits : {registered}\nÉquipes : {status}").format(
        name=escape(edition.name), day=format_day(rules.night_start(edition), user.locale),
        deadline=format_when(edition.registration_deadline, user.locale), sectors=len(sectors),
        registered=registered, status=status)
    rows: list[Row] = []
    if now < rules.night_start(edition):  # forming again stays possible until the night
        rows.append([(_("⚙️ Former les équipes"), NightCoordCb(action="form", edition=edition.id))])
    if edition.formed_at is not None:
        rows.append([(_("📋 Résumé"), NightCoordCb(action="summary", edition=edition.id)),
                     (_("👥 Équipes"), NightRosterCb(edition=edition.id))])
    if edition.formed_at is not None and edition.published_at is None:
        rows.append([(_("📣 Publier"), NightCoordCb(action="publish", edition=edition.id))])
    if edition.published_at is not None:
        rows.append([(_("✅ Présences"), NightCoordCb(action="presence", edition=edition.id))])
    if edition.formed_at is not None:
        rows.append([(_("⬇️ CSV"), NightCoordCb(action="export", edition=edition.id)),
                     (_("🖨 Liste à imprimer"), NightCoordCb(action="sheet", edition=edition.id))])
    text += "\n\n" + _("Déplacer quelqu'un : /night_move NOM. Ajouter : /night_sector, /night_leader.")
    await message.answer(text, reply_markup=inline_keyboard(rows))


async def show_afterwards(message: Message, session: AsyncSession, edition: NightEdition, user: User) -> None:
    """After the night: presence per sector and the feedback, as counts."""
    after = await rules.afterwards(session, edition)
    present = sum(p for _code, p, _n in after.sectors)
    lines = [_("🌙 <b>{name}</b> — nuit du {day} : terminée").format(
        name=escape(edition.name), day=format_day(rules.night_start(edition), user.locale)),
        _("Présents : {present} sur {placed} placés").format(present=present, placed=after.placed)]
    lines += [_("• {code} : {present}/{total}").format(code=escape(code), present=p, total=n)
              for code, p, n in after.sectors[:60]]
    answers = sum(after.feedback.values())
    lines.append(_("Retours : {n} — 😊 {good}, 😐 {fair}, 😞 {hard}").format(
        n=answers, good=after.feedback.get(3, 0), fair=after.feedback.get(2, 0), hard=after.feedback.get(1, 0)))
    assert edition.id is not None
    await message.answer("\n".join(lines), reply_markup=inline_keyboard(
        [[(_("⬇️ CSV"), NightCoordCb(action="export", edition=edition.id))]]))


@router.callback_query(CoordCb.filter(F.item == "night"))
async def dashboard_from_menu(query: CallbackQuery, session: AsyncSession, user: User, clock: Clock = utcnow) -> None:
    await query.answer()
    await show_dashboard(_msg(query), session, user, clock())


@router.message(Command("night"))
async def dashboard_command(message: Message, session: AsyncSession, user: User, clock: Clock = utcnow) -> None:
    await show_dashboard(message, session, user, clock())


def summary_text(summary: rules.FormSummary, locale: str) -> str:
    first, second, third, elsewhere = summary.by_rank
    spread = ", ".join(_("{teams} équipe(s) avec {n}").format(teams=teams, n=n)
                       for n, teams in sorted(summary.first_timers.items())) or "—"
    lines = [_("<b>Équipes formées : {formed} sur {sectors} secteurs</b>").format(formed=summary.formed,
                                                                                sectors=summary.sectors),
             _("Volontaires placés : {assigned} ; sans équipe : {unassigned}").format(
                 assigned=summary.assigned, unassigned=summary.unassigned),
             _("Choix respectés : 1er {a}, 2e {b}, 3e {c}, ailleurs {d}").format(a=first, b=second, c=third,
                                                                                 d=elsewhere),
             _("Premières fois par équipe : {spread}").format(spread=spread),
             _("Groupes gardés ensemble : {kept} sur {groups}").format(kept=summary.groups_kept, groups=summary.groups)]
    if summary.uncovered:
        lines.append(_("Secteurs non couverts :"))
        # a message holds 4096 characters at most: the first ones here, all of them in `night assign`
        lines += [f"• {escape(code)} : {_(reason)}" for code, reason in summary.uncovered[:UNCOVERED_SHOWN]]
        if len(summary.uncovered) > UNCOVERED_SHOWN:
            lines.append(_("… et {n} autres").format(n=len(summary.uncovered) - UNCOVERED_SHOWN))
    return "\n".join(lines)


async def _edition_for(callback_data: NightCoordCb | NightRosterCb | NightMoveCb,
                       session: AsyncSession) -> NightEdition:
    """The edition a button names, re-read on the server (the button may be old or forged)."""
    edition = await session.get(NightEdition, callback_data.edition)
    if edition is None:
        raise StaleButton
    return edition


@router.callback_query(NightCoordCb.filter(F.action == "form"))
async def form(query: CallbackQuery, callback_data: NightCoordCb, session: AsyncSession, user: User,
               clock: Clock = utcnow) -> None:
    edition = await _edition_for(callback_data, session)
    if edition.published_at is not None:  # published: keep the teams unless the coordinator says otherwise
        if clock() >= rules.night_start(edition):
            raise DomainError(N_("Cette nuit est terminée."))
        await query.answer()
        await _msg(query).answer(_("Les équipes sont publiées. Compléter les équipes publiées (nouveaux inscrits, "
                                   "secteurs encore vides) ou tout reformer ? Les personnes dont l'équipe change "
                                   "seront prévenues."), reply_markup=inline_keyboard([
            [(_("➕ Compléter"), NightCoordCb(action="keep", edition=callback_data.edition))],
            [(_("♻️ Tout reformer"), NightCoordCb(action="reform", edition=callback_data.edition))],
            [(_("✖ Annuler"), NightCoordCb(action="cancel", edition=callback_data.edition))]]))
        return
    await _form(query, edition, user, session, clock(), keep=False, root_ids=frozenset())


@router.callback_query(NightCoordCb.filter(F.action.in_({"keep", "reform"})))
async def reform(query: CallbackQuery, callback_data: NightCoordCb, session: AsyncSession, user: User,
                 root_coordinator_ids: frozenset[int], clock: Clock = utcnow) -> None:
    edition = await _edition_for(callback_data, session)
    await _form(query, edition, user, session, clock(), keep=callback_data.action == "keep",
                root_ids=root_coordinator_ids)


async def _form(query: CallbackQuery, edition: NightEdition, user: User, session: AsyncSession, now: datetime, *,
                keep: bool, root_ids: frozenset[int]) -> None:
    summary = await rules.form_teams(session, edition, now, keep=keep)
    told = await publication.notify_changes(session, edition, summary, root_ids)
    await query.answer()
    assert edition.id is not None
    rows: list[Row] = [[(_("👥 Équipes"), NightRosterCb(edition=edition.id))]]
    if edition.published_at is None:
        rows.insert(0, [(_("📣 Publier"), NightCoordCb(action="publish", edition=edition.id))])
    rows.append([(_("⚙️ Former à nouveau"), NightCoordCb(action="form", edition=edition.id))])
    text = summary_text(summary, user.locale)
    if edition.published_at is not None:
        text += "\n" + _("Personnes prévenues d'un changement : {n}").format(n=told)
    await _msg(query).answer(text, reply_markup=inline_keyboard(rows))


@router.callback_query(NightCoordCb.filter(F.action == "summary"))
async def show_summary(query: CallbackQuery, callback_data: NightCoordCb, session: AsyncSession, user: User) -> None:
    edition = await _edition_for(callback_data, session)
    await query.answer()
    await _msg(query).answer(summary_text(await rules.summarise(session, edition), user.locale))


@router.callback_query(NightCoordCb.filter(F.action == "publish"))
async def publish(query: CallbackQuery, callback_data: NightCoordCb, session: AsyncSession, user: User,
                  clock: Clock = utcnow) -> None:
    """The count of people told, and a confirmation."""
    edition = await _edition_for(callback_data, session)
    if edition.formed_at is None:
        raise DomainError(N_("Formez d'abord les équipes."))
    if edition.published_at is not None:
        raise DomainError(N_("Les équipes sont déjà publiées."))
    count = await publication.publish_count(session, edition)
    await query.answer()
    await _msg(query).answer(
        _("Publier les équipes ? {n} volontaires recevront leur équipe (ou leur place sur la liste d'attente).")
        .format(n=count), reply_markup=inline_keyboard(confirm_rows(
            count, NightCoordCb(action="publish_yes", edition=callback_data.edition),
            NightCoordCb(action="cancel", edition=callback_data.edition), action=_("📣 Publier et prévenir {count}"))))


@router.callback_query(NightCoordCb.filter(F.action == "publish_yes"))
async def publish_confirmed(query: CallbackQuery, callback_data: NightCoordCb, session: AsyncSession, user: User,
                            root_coordinator_ids: frozenset[int], clock: Clock = utcnow) -> None:
    edition = await _edition_for(callback_data, session)
    count = await publication.publish(session, edition, clock(), root_coordinator_ids)
    await query.answer()
    await _msg(query).answer(_("Publié : {n} volontaires vont recevoir leur équipe.").format(n=count))


@router.callback_query(NightCoordCb.filter(F.action == "cancel"))
async def cancelled(query: CallbackQuery) -> None:
    await query.answer()
    await _msg(query).answer(_("C'est annulé."))


@router.callback_query(NightCoordCb.filter(F.action == "presence"))
async def presence(query: CallbackQuery, session: AsyncSession, user: User, clock: Clock = utcnow) -> None:
    await query.answer()
    await send_presence(_msg(query), session, user, True, clock())


@router.callback_query(NightCoordCb.filter(F.action == "export"))
async def export(query: CallbackQuery, session: AsyncSession, user: User, root_coordinator_ids: frozenset[int],
                 clock: Clock = utcnow) -> None:
    """Teams (with presence), presence per sector and the feedback counts, as CSV files."""
    files = [await exports.run(session, user, key, locale=user.locale, now=clock(), root_ids=root_coordinator_ids)
             for key in ("night_teams", "night_presence", "night_feedback")]
    await query.answer()
    for file in files:
        await _msg(query).answer_document(BufferedInputFile(file.data, filename=file.filename))


@router.callback_query(NightCoordCb.filter(F.action == "sheet"))
async def printable(query: CallbackQuery, callback_data: NightCoordCb, session: AsyncSession, user: User) -> None:
    edition = await _edition_for(callback_data, session)
    data = sheet.render(edition, await rules.roster(session, edition), user.locale)
    await query.answer()
    await _msg(query).answer_document(BufferedInputFile(data, filename=f"nuit-{edition.night_date}.html"),
                                      caption=_("Une page par point de rendez-vous : ouvrez-la et imprimez-la."))


# -- the roster --------------------------------------------------------------------------------------------

def roster_pages(roster: rules.Roster, locale: str) -> list[str]:
    """Teams by meeting point (names, roles, needs, languages, presence), then who waits; pages for Telegram."""
    lines: list[str] = []
    for point, address, teams in roster.points:
        lines.append(f"\n📍 <b>{escape(point)}</b>, {escape(address)}")
        for team in teams:
            state = "" if team.formed else " " + _("(pas formée)")
            lines.append(_("<b>Équipe {code}</b> — Paris {n}{state}").format(
                code=escape(team.sector.code), n=team.sector.arrondissement, state=state))
            if team.leader:
                lines.append("  " + _("⭐ {name} (responsable inscrit)").format(name=escape(team.leader)))
            lines += ["  " + _person(person, locale) for person in team.people]
    lines.append("\n" + _("<b>Sans équipe : {n}</b>").format(n=len(roster.waiting)))
    lines += ["  " + _person(person, locale) + " — " + ", ".join(str(n) for n in person.prefs)
              for person in roster.waiting]
    pages = [""]
    for line in lines:
        if pages[-1] and len(pages[-1]) + len(line) + 1 > TEXT_BUDGET:
            pages.append("")
        pages[-1] = f"{pages[-1]}\n{line}" if pages[-1] else line[:TEXT_BUDGET]
    return pages


def _person(person: rules.RosterPerson, locale: str) -> str:
    mark = "⭐" if person.role == NightRole.LEADER else "•"
    details = [_("1re fois")] if person.first_time else []
    details += [_(rules.NEEDS[need]) for need in person.needs if need in rules.NEEDS]
    if person.note:
        details.append(escape(person.note))
    if person.languages and person.languages != ["fr"]:
        details.append("/".join(person.languages))
    present = " ✅" if person.present else ""
    return f"{mark} {escape(person.name)}{present}" + (f" ({'; '.join(details)})" if details else "")


@router.callback_query(NightRosterCb.filter())
async def show_roster(query: CallbackQuery, callback_data: NightRosterCb, session: AsyncSession, user: User) -> None:
    edition = await _edition_for(callback_data, session)
    pages = roster_pages(await rules.roster(session, edition), user.locale)
    page = min(callback_data.page, len(pages) - 1)
    navigation = []
    if page > 0:
        navigation.append((_("« Précédent"), NightRosterCb(edition=callback_data.edition, page=page - 1)))
    if page + 1 < len(pages):
        navigation.append((_("Suivant »"), NightRosterCb(edition=callback_data.edition, page=page + 1)))
    await query.answer()
    footer = "\n\n" + _("Page {page}/{pages}. Déplacer quelqu'un : /night_move NOM.").format(
        page=page + 1, pages=len(pages))
    await _msg(query).answer(pages[page] + footer, reply_markup=inline_keyboard([navigation] if navigation else []))


@router.callback_query(NightMoveCb.filter())
async def move_by_tapping(query: CallbackQuery, callback_data: NightMoveCb, session: AsyncSession, user: User,
                          root_coordinator_ids: frozenset[int], clock: Clock = utcnow) -> None:
    """A person found by name: first the teams they may join, then the move (refused if it breaks a rule)."""
    edition = await _edition_for(callback_data, session)
    person = await session.get(User, callback_data.user)
    registration = await rules.get_registration(session, edition, callback_data.user)
    if person is None or registration is None or registration.withdrawn_at is not None:
        raise StaleButton
    sectors = {s.id: s for s in await rules.list_sectors(session, edition)}
    if not callback_data.sector:
        options = [(f"{s.code} (Paris {s.arrondissement})",
                    NightMoveCb(edition=callback_data.edition, user=callback_data.user, sector=s.id or 0))
                   for s in sectors.values() if s.arrondissement in registration.arrondissements
                   and not set(registration.access_needs or ()) & rules.demands(s.kind)][:90]
        await query.answer()
        await _msg(query).answer(_("Dans quelle équipe mettre {name} ?").format(name=escape(person.full_name or "—")),
                                 reply_markup=inline_keyboard(chunked(options, 2)))
        return
    sector = sectors.get(callback_data.sector)
    if sector is None:
        raise StaleButton
    place = await rules.move_volunteer(session, edition, None, sector.code, user_id=callback_data.user)
    await publication.notify_moved(session, edition, place, root_coordinator_ids)
    await query.answer()
    await _msg(query).answer(_("C'est fait : {name} est maintenant dans l'équipe {code}.").format(
        name=escape(person.full_name or "—"), code=escape(sector.code)))


# -- one line at a time ---------------------------------------------------------------------------------

def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DomainError(N_("Date illisible : {text} (attendu AAAA-MM-JJ)."), text=escape(text)) from None


def _args(command: CommandObject) -> list[str]:
    """Arguments, quoted ones kept whole; the typographic quotes a phone types (“…”, « … ») read as plain ones."""
    text = (command.args or "").translate(_QUOTES).replace("« ", '"').replace(" »", '"').replace("«", '"') \
        .replace("»", '"')
    try:
        return shlex.split(text)
    except ValueError:
        raise DomainError(N_("Guillemet non fermé : vérifiez les textes entre guillemets.")) from None


@router.message(Command("night_new"))
async def new_edition(message: Message, command: CommandObject, session: AsyncSession, user: User,
                      clock: Clock = utcnow) -> None:
    args = _args(command)
    if len(args) < 2:
        raise DomainError(N_("Utilisation : /night_new AAAA-MM-JJ AAAA-MM-JJ Nom (date de la nuit, date "
                             "limite d'inscription)."))
    night_day, deadline = _parse_date(args[0]), _parse_date(args[1])
    name = " ".join(args[2:]) or f"Nuit de la Solidarité {night_day.year}"
    edition = await rules.create_edition(session, name=name, night_date=night_day, deadline=deadline, now=clock())
    await message.answer(_("Édition créée : {name}, nuit du {day}. Ajoutez les secteurs avec /night_sector ou "
                           "par CSV (volunteer-bot night import-sectors).").format(
        name=escape(edition.name), day=format_day(rules.night_start(edition), user.locale)))


_SECTOR_USAGE = N_("Utilisation : /night_sector CODE ARRONDISSEMENT TYPE HH:MM MIN MAX \"Point de rendez-vous\" "
                   "\"Adresse\" [RESPONSABLE]. Types : street, station, halls, hospital, other. Ou /night_sector "
                   "seul, question par question.")


def _clock_time(text: str) -> time:
    match = re.fullmatch(r"(\d{1,2})[:hH](\d{2})?", text.strip())
    if match is None or int(match[1]) > 23 or int(match[2] or 0) > 59:
        raise DomainError(N_("Heure illisible : écrivez-la comme 19:00."))
    return time(int(match[1]), int(match[2] or 0))


class SectorDraft(BaseModel):
    edition: int = 0
    code: str = ""
    arrondissement: int = 0
    kind: str = "street"
    meeting_time: str = "19:00"
    sizes: list[int] = [3, 4]
    point: str = ""
    address: str = ""
    leader: str | None = None


def _sizes(text: str, _draft: SectorDraft) -> list[int]:
    numbers = [parsing.whole_number(part, 1, 10) for part in re.split(r"[\s,;/-]+", text.strip()) if part]
    if len(numbers) != 2 or not 1 <= numbers[0] <= numbers[1] <= 10:
        raise DomainError(N_("Taille d'équipe impossible : il faut 1 ≤ minimum ≤ maximum ≤ 10."))
    return numbers


def _arrondissement(text: str, _draft: SectorDraft) -> int:
    return parsing.whole_number(re.sub(r"(?i)\s*(e|er|ème|eme|th|st|nd|rd)$", "", text.strip()), 1, 20)


def _sector_summary(draft: SectorDraft) -> str:
    kind = _(rules.SECTOR_KINDS.get(draft.kind, rules.SECTOR_KINDS["other"]))
    return _("<b>Secteur {code}</b>\nParis {n} — {kind}\nRendez-vous à {time} : {point}, {address}\n"
             "Volontaires : {low} à {high}\nResponsable inscrit : {leader}").format(
        code=escape(draft.code), n=draft.arrondissement, kind=kind, time=draft.meeting_time,
        point=escape(draft.point), address=escape(draft.address), low=draft.sizes[0], high=draft.sizes[1],
        leader=escape(draft.leader or "—"))


async def _save_sector(context: FormContext, draft: SectorDraft) -> None:
    edition = await context.session.get(NightEdition, draft.edition)
    if edition is None:
        raise StaleButton
    sector = await rules.add_sector(context.session, edition, rules.SectorInput(
        code=draft.code, arrondissement=draft.arrondissement, kind=draft.kind,
        meeting_time=_clock_time(draft.meeting_time), min_volunteers=draft.sizes[0], max_volunteers=draft.sizes[1],
        meeting_point=draft.point, meeting_address=draft.address, leader_code=draft.leader))
    await context.state.clear()
    await context.message.answer(_("Secteur {code} enregistré (Paris {n}).").format(code=escape(sector.code),
                                                                                  n=sector.arrondissement))


def _text(limit: int) -> Callable[[str, SectorDraft], str]:
    def parse(text: str, _draft: SectorDraft) -> str:
        cleaned = " ".join(text.translate(_QUOTES).split()).strip("\"'«» ")  # quotes around it are not part of it
        if not cleaned or len(cleaned) > limit:
            raise DomainError(N_("Entre 1 et {limit} caractères, s'il vous plaît."), limit=limit)
        return cleaned
    return parse


SECTOR_FORM: Form[SectorDraft] = Form(
    name="night_sector",
    draft=SectorDraft,
    steps=[
        Step("code", lambda d: _("<b>Nouveau secteur</b> (1/8)\nSon code ? (par exemple 18-A)"), field="code",
             parse=_text(40), edit_label=lambda: _("Code")),
        Step("arr", lambda d: _("(2/8) Arrondissement ? (1 à 20)"), field="arrondissement", parse=_arrondissement,
             edit_label=lambda: _("Arrondissement")),
        Step("kind", lambda d: _("(3/8) Type de secteur ?"), field="kind", width=2,
             choices=lambda d: [Choice(key, _(label)) for key, label in rules.SECTOR_KINDS.items()],
             edit_label=lambda: _("Type")),
        Step("time", lambda d: _("(4/8) Heure du rendez-vous ? (par exemple 19:00)"), field="meeting_time",
             parse=lambda text, d: _clock_time(text).strftime("%H:%M"), edit_label=lambda: _("Heure")),
        Step("sizes", lambda d: _("(5/8) Nombre de volontaires, minimum et maximum ? (par exemple 3 4)"),
             field="sizes", parse=_sizes, edit_label=lambda: _("Taille")),
        Step("point", lambda d: _("(6/8) Point de rendez-vous ? (par exemple Mairie du 18e)"), field="point",
             parse=_text(120), edit_label=lambda: _("Point de rendez-vous")),
        Step("address", lambda d: _("(7/8) Adresse du rendez-vous ?"), field="address", parse=_text(200),
             edit_label=lambda: _("Adresse")),
        Step("leader", lambda d: _("(8/8) Code du responsable inscrit (/night_leader), ou « Aucun » : un "
                                   "volontaire qui peut mener sera choisi."), field="leader", parse=_text(40),
             skip_label=lambda: _("Aucun"), edit_label=lambda: _("Responsable")),
    ],
    summary=_sector_summary,
    finish=_save_sector,
)


@router.message(Command("night_sector"))
async def new_sector(message: Message, command: CommandObject, session: AsyncSession, user: User,
                     state: FSMContext, clock: Clock = utcnow) -> None:
    edition = await _edition_or_error(session, clock())
    args = _args(command)
    if not args:
        assert edition.id is not None
        await SECTOR_FORM.start(message, state, SectorDraft(edition=edition.id))
        return
    if len(args) < 8 or not re.fullmatch(r"\d{1,2}:\d{2}", args[3]) or not all(
            value.isdigit() for value in (args[1], args[4], args[5])):
        raise DomainError(_SECTOR_USAGE)
    sector = await rules.add_sector(session, edition, rules.SectorInput(
        code=args[0], arrondissement=int(args[1]), kind=args[2], meeting_time=_clock_time(args[3]),
        min_volunteers=int(args[4]), max_volunteers=int(args[5]), meeting_point=args[6],
        meeting_address=args[7], leader_code=args[8] if len(args) > 8 else None))
    await message.answer(_("Secteur {code} enregistré (Paris {n}).").format(code=escape(sector.code),
                                                                          n=sector.arrondissement))


@router.message(Command("night_leader"))
async def new_leader(message: Message, command: CommandObject, session: AsyncSession, user: User,
                     clock: Clock = utcnow) -> None:
    args = _args(command)
    edition = await _edition_or_error(session, clock())
    if len(args) < 2 or (len(args) > 2 and not args[2].lstrip("-").isdigit()):
        raise DomainError(N_("Utilisation : /night_leader CODE Prénom [IDENTIFIANT_TELEGRAM]."))
    leader = await rules.add_leader(session, edition, code=args[0], first_name=args[1],
                                    telegram_id=int(args[2]) if len(args) > 2 else None)
    await message.answer(_("Responsable {code} enregistré : {name}.").format(code=escape(leader.code),
                                                                           name=escape(leader.first_name)))


@router.message(Command("night_move"))
async def move(message: Message, command: CommandObject, session: AsyncSession, user: User,
               root_coordinator_ids: frozenset[int], clock: Clock = utcnow) -> None:
    """`/night_move NAME`: the people found, one button each; `/night_move TELEGRAM_ID SECTOR` still works."""
    args = _args(command)
    edition = await _edition_or_error(session, clock())
    assert edition.id is not None
    if len(args) == 2 and args[0].lstrip("-").isdigit():
        place = await rules.move_volunteer(session, edition, int(args[0]), args[1])
        await publication.notify_moved(session, edition, place, root_coordinator_ids)
        await message.answer(_("C'est fait : {id} est maintenant dans l'équipe {code}.").format(
            id=args[0], code=escape(args[1])))
        return
    if not args:
        raise DomainError(N_("Utilisation : /night_move NOM (une partie du nom suffit)."))
    found = await rules.find_people(session, edition, " ".join(args))
    if not found:
        raise DomainError(N_("Personne d'inscrit ne porte ce nom."))
    places = {a.user_id: a for a in await rules.edition_assignments(session, edition)}
    sectors = {s.id: s.code for s in await rules.list_sectors(session, edition)}
    rows = [[(f"{person.full_name} — " + (sectors.get(places[person.id].sector_id, "?") if person.id in places
                                           else _("sans équipe")),
              NightMoveCb(edition=edition.id, user=person.id or 0))] for person, _registration in found]
    await message.answer(_("Qui déplacer ?"), reply_markup=inline_keyboard(rows))
