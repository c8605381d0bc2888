"""Keep the `.po` catalogs complete: extract msgids from the code, add them to a feature's catalog, check.

The check is what the test suite runs: every msgid used in code is in both languages, English is
translated, and placeholders (`{name}`) and HTML tags are the same in the source and its translation.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract
from babel.messages.pofile import read_po, write_po

from locales import LOCALES, catalog_paths

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("bot", "handlers", "services", "models", "locales")
# gettext-style calls: aiogram's `_`/`__`, our `t(locale, msgid)`, `tn(locale, singular, plural, n)`, `N_`.
KEYWORDS = {"_": None, "__": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2),
            "N_": None, "t": (2,), "tn": (2, 3)}
_PLACEHOLDER = re.compile(r"(?<!\{)\{([a-zA-Z_][a-zA-Z0-9_]*)(?:[:!][^}]*)?\}")
_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9-]*)")


@dataclass
class Extracted:
    msgid: str
    plural: str | None = None
    locations: list[tuple[str, int]] = field(default_factory=list)


def source_files(dirs: Iterable[str] = SOURCE_DIRS) -> list[Path]:
    return sorted(path for name in dirs for path in (PROJECT_ROOT / name).rglob("*.py")
                  if "migrations" not in path.parts)


def extract_messages(paths: Iterable[Path]) -> dict[str, Extracted]:
    found: dict[str, Extracted] = {}
    for path in paths:
        with path.open("rb") as source:
            for lineno, message, _comments, _context in extract("python", source, keywords=KEYWORDS,
                                                                comment_tags=()):
                singular, plural = (message if isinstance(message, tuple) else (message, None))[:2]
                if not singular:
                    continue
                entry = found.setdefault(singular, Extracted(singular, plural))
                entry.locations.append((str(path.relative_to(PROJECT_ROOT)), lineno))
    return found


def placeholders(text: str) -> Counter[str]:
    return Counter(_PLACEHOLDER.findall(text))


def tags(text: str) -> Counter[str]:
    return Counter(_TAG.findall(text))


def load_catalogs(locale: str) -> dict[str, tuple[str | tuple[str, ...], bool]]:
    """msgid → (msgstr, fuzzy) across every feature catalog of a locale."""
    merged: dict[str, tuple[str | tuple[str, ...], bool]] = {}
    for path in catalog_paths(locale):
        with path.open("rb") as source:
            for message in read_po(source, locale=locale):
                key = str(message.id[0] if isinstance(message.id, tuple) else message.id)
                if key and key not in merged:
                    merged[key] = (message.string or "", message.fuzzy)  # type: ignore[assignment]
    return merged


def conflicting_translations(locale: str) -> list[str]:
    """Msgids translated differently by two catalogs: the merged catalog would silently pick one."""
    seen: dict[str, tuple[str, str]] = {}
    problems = []
    for path in catalog_paths(locale):
        with path.open("rb") as source:
            for message in read_po(source, locale=locale):
                key = str(message.id[0] if isinstance(message.id, tuple) else message.id)
                string = str(message.string) if message.string else ""
                if not key or not string:
                    continue
                if key in seen and seen[key][0] != string:
                    problems.append(f"{locale}: {key!r} is {seen[key][0]!r} in {seen[key][1]} "
                                    f"but {string!r} in {path.name}")
                seen.setdefault(key, (string, path.name))
    return problems


def check(messages: dict[str, Extracted] | None = None) -> list[str]:
    """Every problem found, one line each; an empty list means the catalogs are complete."""
    full_scan = messages is None
    messages = messages if messages is not None else extract_messages(source_files())
    problems: list[str] = [line for locale in LOCALES for line in conflicting_translations(locale)]
    for locale in LOCALES if full_scan else ():
        problems += [f"{locale}: unused {key!r} (volunteer-bot i18n prune)"
                     for key in load_catalogs(locale) if key not in messages]
    catalogs = {locale: load_catalogs(locale) for locale in LOCALES}
    for msgid, entry in sorted(messages.items()):
        where = "{}:{}".format(*entry.locations[0])
        for locale in LOCALES:
            if msgid not in catalogs[locale]:
                problems.append(f"{locale}: missing {msgid!r} ({where})")
                continue
            string, fuzzy = catalogs[locale][msgid]
            strings = [str(part) for part in string] if isinstance(string, tuple) else [str(string)]
            if locale == "fr" and not any(strings):
                continue  # French is the source language: an empty msgstr means "same as msgid"
            if fuzzy or not all(strings):
                problems.append(f"{locale}: untranslated {msgid!r} ({where})")
                continue
            for translated in strings:
                if placeholders(translated) != placeholders(msgid) and not (
                    entry.plural and placeholders(translated) == placeholders(entry.plural)
                ):
                    problems.append(f"{locale}: placeholders differ in {msgid!r}: {translated!r}")
                if tags(translated) != tags(msgid):
                    problems.append(f"{locale}: HTML tags differ in {msgid!r}: {translated!r}")
    return problems


def sync(domain: str, paths: Iterable[Path]) -> dict[str, int]:
    """Add the msgids used in `paths` to `locales/<lang>/LC_MESSAGES/<domain>.po`; return how many were added."""
    messages = extract_messages(paths)
    added: dict[str, int] = {}
    for locale in LOCALES:
        path = PROJECT_ROOT / "locales" / locale / "LC_MESSAGES" / f"{domain}.po"
        if path.exists():
            with path.open("rb") as source:
                catalog = read_po(source, locale=locale)
        else:
            catalog = Catalog(locale=locale, domain=domain, project="paris-volunteers-bot",
                              charset="utf-8", fuzzy=False)
        elsewhere = {key for key in load_catalogs(locale)} - {
            (m.id[0] if isinstance(m.id, tuple) else m.id) for m in catalog}
        count = 0
        for msgid, entry in messages.items():
            if msgid in elsewhere:
                continue
            existing = catalog.get(msgid)
            if existing is None:
                catalog.add((msgid, entry.plural) if entry.plural else msgid,
                            ("", "") if entry.plural else "", locations=entry.locations)
                count += 1
            else:
                existing.locations = entry.locations
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as target:
            write_po(target, catalog, width=100, omit_header=False, sort_output=False)
        added[locale] = count
    return added


def fill(domain: str, locale: str, translations: dict[str, str | list[str]]) -> list[str]:
    """Write translations (msgid → msgstr, or a list for plurals) into a catalog; return msgids still empty."""
    path = PROJECT_ROOT / "locales" / locale / "LC_MESSAGES" / f"{domain}.po"
    with path.open("rb") as source:
        catalog = read_po(source, locale=locale)
    missing: list[str] = []
    for message in catalog:
        if not message.id:
            continue
        key = str(message.id[0] if isinstance(message.id, tuple) else message.id)
        if key in translations:
            value = translations[key]
            message.string = tuple(value) if isinstance(message.id, tuple) else value
            message.flags.discard("fuzzy")
        elif not (all(message.string) if isinstance(message.string, tuple) else message.string):
            missing.append(key)
    with path.open("wb") as target:
        write_po(target, catalog, width=100)
    return missing


def prune() -> int:
    """Delete every catalog entry that no code uses any more; return how many were removed."""
    used = set(extract_messages(source_files()))
    removed = 0
    for locale in LOCALES:
        for path in catalog_paths(locale):
            with path.open("rb") as source:
                catalog = read_po(source, locale=locale)
            stale = [message.id for message in catalog
                     if message.id and str(message.id[0] if isinstance(message.id, tuple) else message.id) not in used]
            for key in stale:
                del catalog[key]
            if stale:
                with path.open("wb") as target:
                    write_po(target, catalog, width=100)
                removed += len(stale)
    return removed
