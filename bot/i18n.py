"""aiogram's gettext i18n, fed by our merged catalogs, with the locale chosen per user."""

from __future__ import annotations

import gettext
from typing import Any

from aiogram.types import TelegramObject
from aiogram.utils.i18n import I18n, I18nMiddleware

from locales import DEFAULT_LOCALE, LOCALE_DIR, load_translations, normalize_locale
from models.user import User


class CatalogI18n(I18n):
    """I18n whose locales come from `locales.load_translations` (in-memory compiled .po files)."""

    def __init__(self) -> None:
        super().__init__(path=LOCALE_DIR, default_locale=DEFAULT_LOCALE, domain="messages")

    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        return dict(load_translations())


class UserLocaleMiddleware(I18nMiddleware):
    """The user's chosen language, else Telegram's language_code, else French."""

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        user: User | None = data.get("user")
        if user is not None:
            return user.locale
        tg_user = data.get("event_from_user")
        return normalize_locale(getattr(tg_user, "language_code", None))
