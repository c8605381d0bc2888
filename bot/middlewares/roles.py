"""Guards at the router: who may reach a feature's handlers, checked on every message and button tap.

`guard(router, CoordinatorOnly())` puts a guard on both of a router's observers. For a typed command, a
refused person is passed on to the next handler (`SkipHandler`): a command two audiences share (`/night`)
then reaches the volunteer's screen, and a command only coordinators have is refused by the fallback.
A button for the wrong audience is refused at once.
"""

from __future__ import annotations

import abc
from typing import Any

from aiogram import BaseMiddleware, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.i18n import gettext as _

from bot.middlewares import Handler
from locales import N_
from models.user import User

COORDINATORS_ONLY = N_("Cette action est réservée aux coordinateurs.")
SIGNED_UP_ONLY = N_("Vous n'êtes pas encore inscrit : tapez /start.")


class _Guard(BaseMiddleware, abc.ABC):
    skip_messages = False

    @abc.abstractmethod
    def allows(self, data: dict[str, Any]) -> bool:
        """May the person behind this update use the guarded handlers?"""

    @abc.abstractmethod
    def refusal(self) -> str:
        """What they are told otherwise, in their language."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if self.allows(data):
            return await handler(event, data)
        if isinstance(event, CallbackQuery):
            await event.answer(self.refusal(), show_alert=True)
        elif isinstance(event, Message):
            if self.skip_messages:
                raise SkipHandler
            await event.answer(self.refusal())
        return None


class CoordinatorOnly(_Guard):
    """Coordinators only. Typed text from anyone else goes on to the next handler (see the module)."""

    skip_messages = True

    def allows(self, data: dict[str, Any]) -> bool:
        return bool(data.get("is_coordinator"))

    def refusal(self) -> str:
        return _(COORDINATORS_ONLY)


class SignedUpOnly(_Guard):
    """Volunteers who finished signup (and coordinators, who run these screens)."""

    def allows(self, data: dict[str, Any]) -> bool:
        user: User | None = data.get("user")
        return bool(data.get("is_coordinator")) or (user is not None and user.is_signed_up)

    def refusal(self) -> str:
        return _(SIGNED_UP_ONLY)


def guard(router: Router, check: _Guard) -> Router:
    router.message.middleware(check)
    router.callback_query.middleware(check)
    return router
