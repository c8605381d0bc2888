"""⭐ Followed calls for tender: reminded 3 days and 1 day before the deadline, each reminder exactly once.

"Exactly once" is a conditional UPDATE (`… WHERE reminded = <what it was>`): two scheduler runs racing over
the same follow cannot both win, on SQLite or PostgreSQL. A follow made late gets only what is still ahead.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from locales import N_, t
from models.procurement import Notice, NoticeFollow
from models.user import User
from services import outbox
from services.errors import DomainError
from services.procurement.subscriptions import deadline_label

# (stage, how long before the deadline): the 3-day reminder, then the 1-day one
STAGES = ((3, timedelta(days=3)), (1, timedelta(days=1)))


async def follow(session: AsyncSession, user: User, notice_id: int, now: datetime) -> Notice:
    """Follow an open call; following it twice is following it once."""
    notice = await session.get(Notice, notice_id)
    if notice is None or notice.kind != "call" or notice.deadline is None:
        raise DomainError(N_("Cet avis n'a pas de date limite à suivre."))
    if notice.status == "cancelled" or notice.deadline <= now:
        raise DomainError(N_("Cet avis est clos : il n'y a plus rien à suivre."))
    assert user.id is not None
    table = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    await session.execute(table.insert(NoticeFollow).values(user_id=user.id, notice_id=notice_id, created_at=now)
                          .on_conflict_do_nothing(index_elements=["user_id", "notice_id"]))
    return notice


async def unfollow(session: AsyncSession, user: User, notice_id: int) -> None:
    row = (await session.execute(select(NoticeFollow).where(
        col(NoticeFollow.user_id) == user.id, col(NoticeFollow.notice_id) == notice_id))).scalar_one_or_none()
    if row is None:
        raise DomainError(N_("Vous ne suivez pas cet avis."))
    await session.delete(row)


async def send_reminders(session: AsyncSession, now: datetime) -> int:
    """Queue every reminder now due (3 days, then 1 day before the deadline); returns how many."""
    due = (await session.execute(
        select(NoticeFollow, Notice, User)
        .join(Notice, col(Notice.id) == col(NoticeFollow.notice_id))
        .join(User, col(User.id) == col(NoticeFollow.user_id))
        .where(col(Notice.deadline) > now, col(Notice.deadline) <= now + STAGES[0][1],
               col(Notice.status) != "cancelled", col(NoticeFollow.reminded) != 1,
               col(User.telegram_id).is_not(None), col(User.blocked_at).is_(None))
        .order_by(col(NoticeFollow.id)))).all()  # one order for every run: racing runs never deadlock
    outgoing = []
    for follow_row, notice, person in due:
        assert notice.deadline is not None and person.telegram_id is not None
        stage = 1 if notice.deadline - now <= STAGES[1][1] else 3
        if follow_row.reminded == stage:
            continue
        claimed = await session.execute(update(NoticeFollow).where(
            col(NoticeFollow.id) == follow_row.id, col(NoticeFollow.reminded) == follow_row.reminded)
            .values(reminded=stage))
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue  # another run sent it
        text = t(person.locale, "⏰ <b>Rappel</b> : {title}\nDate limite : {deadline}",
                 title=escape(notice.title[:300]), deadline=deadline_label(notice, person.locale, now))
        if notice.url:
            text += f'\n🔗 <a href="{escape(notice.url, quote=True)}">{t(person.locale, "Voir la source")}</a>'
        outgoing.append(outbox.Outgoing(person.telegram_id, [outbox.Part(text, None)], person.id))
    if outgoing:
        campaign, _ = await outbox.create_campaign(session, kind="tenders-reminder", title="Deadline reminders")
        await outbox.enqueue(session, campaign, outgoing)
    return len(outgoing)
