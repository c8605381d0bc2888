"""Buttons of the procurement feature: the subscription screens, stored subscriptions, delivered notices.

Buttons already sent keep working: "tu:<id>" (unsubscribe) and "tp:<digest>:<page>" (a digest's page)
sit under notices delivered before this module existed.
"""

from __future__ import annotations

from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from services.callbacks import Id, Page

# A CPV code or prefix, a place, a kind, an amount preset, a field or a frequency: what `action` needs.
Value = Annotated[str, Field(max_length=12, pattern=r"^[a-z0-9_]*$")]


class DraftCb(CallbackData, prefix="td"):
    """A step of the subscription screens; `value` is a code, a place, a kind… depending on the action."""

    action: str = Field(max_length=10, pattern=r"^[a-z]+$")
    value: Value = ""
    page: Page = 0


class SubscriptionCb(CallbackData, prefix="ts"):
    """Managing one stored subscription (checked to be the tapper's own on every tap)."""

    action: str = Field(max_length=10, pattern=r"^[a-z]+$")
    sub: Id


class UnsubscribeCb(CallbackData, prefix="tu"):
    """One-tap unsubscribe under a delivered notice."""

    subscription_id: Id


class DigestPageCb(CallbackData, prefix="tp"):
    """A page of a digest (daily, burst, renewal leads)."""

    digest_id: Id
    page: Page


class SearchCb(CallbackData, prefix="tq"):
    """The next page of a /search: the query travels in the conversation state, the offset here."""

    page: Page


class FollowCb(CallbackData, prefix="tf"):
    """⭐ Follow a notice (reminders before its deadline), or stop following it."""

    action: str = Field(max_length=8, pattern=r"^(on|off)$")
    notice: Id
