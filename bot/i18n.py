"""aiogram's gettext i18n, fed by our merged catalogs, with the locale chosen per user."""

from __future__ import annotations

from typing import Any

from aiogram.types import TelegramObject
from aiogram.utils.i18n import I18n, I18nMiddleware

from locales import DEFAULT_LOCALE, LOCALE_DIR, load_translations, normalize_locale
from models.user import User


def create_i18n() -> I18n:
    """aiogram's I18n with our merged, in-memory compiled catalogs.

    Not a subclass: aiogram's `gettext` helpers look up `I18n.get_current()`, and each subclass of its
    context mixin gets a context variable of its own, which those helpers would never see.
    """
    i18n = I18n(path=LOCALE_DIR, default_locale=DEFAULT_LOCALE, domain="messages")
    i18n.locales = dict(load_translations())
    return i18n


class UserLocaleMiddleware(I18nMiddleware):
    """The user's chosen language, else Telegram's language_code, else French."""

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        user: User | None = data.get("user")
        if user is not None:
            return user.locale
        tg_user = data.get("event_from_user")
        return normalize_locale(getattr(tg_user, "language_code", None))
