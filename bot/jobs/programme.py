"""The calls for ideas on the clock: open the vote when proposals end, remind a day before the close, close."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.scheduler import job_context
from models.base import utcnow
from models.programme import ThemeCall
from services import programme

log = logging.getLogger(__name__)


async def advance_theme_calls(now: datetime | None = None) -> int:
    """Each step happens once (conditional updates in services/programme.py); returns how many were taken."""
    now = now or utcnow()
    app = job_context()
    steps = 0
    async with app.sessions.begin() as session:
        to_vote, to_remind, to_close = (
            [call_id for call_id in ids if call_id is not None] for ids in await programme.due_steps(session, now))
        for call_id in to_vote:
            call = await session.get(ThemeCall, call_id)
            assert call is not None
            if not await programme.shortlist(session, call_id):
                # nothing was shortlisted in time: the call ends without a vote, and its author is told
                if await programme.close_call(session, call_id, now):
                    await programme.report_close(session, call)
                    steps += 1
            elif await programme.start_voting(session, call_id):
                await programme.announce_vote(session, call)
                steps += 1
        for call_id in to_remind:
            call = await session.get(ThemeCall, call_id)
            if call is not None and await programme.mark_reminded(session, call_id, now):
                await programme.remind_voters(session, call)
                steps += 1
        for call_id in to_close:
            call = await session.get(ThemeCall, call_id)
            if call is not None and await programme.close_call(session, call_id, now):
                await session.refresh(call)
                await programme.report_close(session, call)
                steps += 1
    if steps:
        log.info("theme calls: %d step(s) taken", steps)
    return steps
