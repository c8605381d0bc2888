"""Gettext catalogs. French is the source language (msgids are French), English is complete.

The `.po` files are the only source: they are compiled in memory when first needed, so there is no
build step to forget. Each feature keeps its own catalog (`LC_MESSAGES/<feature>.po`); all are merged.
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES: tuple[str, ...] = ("fr", "en")
DEFAULT_LOCALE = "fr"
LOCALE_DIR = Path(__file__).resolve().parent
# Babel needs a territory for currency and date patterns; English readers here are mostly European.
BABEL_LOCALES = {"fr": "fr_FR", "en": "en_GB"}


def catalog_paths(locale: str) -> list[Path]:
    return sorted((LOCALE_DIR / locale / "LC_MESSAGES").glob("*.po"))


@lru_cache(maxsize=1)
def load_translations() -> dict[str, gettext.GNUTranslations]:
    """Compile and merge every feature catalog of each locale."""
    result: dict[str, gettext.GNUTranslations] = {}
    for locale in LOCALES:
        merged: gettext.GNUTranslations | None = None
        for path in catalog_paths(locale):
            with path.open("rb") as source:
                catalog = read_po(source, locale=locale)
            compiled = BytesIO()
            write_mo(compiled, catalog)
            compiled.seek(0)
            translations = gettext.GNUTranslations(compiled)
            if merged is None:
                merged = translations
            else:
                merged.add_fallback(translations)
        if merged is None:
            merged = gettext.GNUTranslations(_empty_mo())
        result[locale] = merged
    return result


def _empty_mo() -> BytesIO:
    from babel.messages.catalog import Catalog

    buffer = BytesIO()
    write_mo(buffer, Catalog())
    buffer.seek(0)
    return buffer


def normalize_locale(code: str | None) -> str:
    """Map a Telegram language_code ("fr-FR", "en-US", "de") to one of ours; French otherwise."""
    if code:
        short = code.split("-")[0].split("_")[0].lower()
        if short in LOCALES:
            return short
    return DEFAULT_LOCALE


def t(locale: str, message: str, /, **params: object) -> str:
    """Translate a French msgid into `locale` and fill its `{placeholders}`."""
    text = load_translations()[normalize_locale(locale)].gettext(message)
    return text.format(**params) if params else text


def tn(locale: str, singular: str, plural: str, n: int, /, **params: object) -> str:
    """Plural-aware `t`; `n` is also offered to the placeholders."""
    text = load_translations()[normalize_locale(locale)].ngettext(singular, plural, n)
    return text.format(n=n, **params)


def N_(message: str) -> str:
    """Mark a msgid for extraction where it is translated later (menus, constants)."""
    return message
