"""Every text the code uses exists in French and English, with the same placeholders and tags."""

from __future__ import annotations

from locales import load_translations, t, tn
from locales.catalogs import Extracted, check


def test_every_message_is_translated_in_every_language() -> None:
    problems = check()
    assert problems == [], "\n".join(problems)


def test_the_check_catches_a_missing_or_broken_translation() -> None:
    missing = check({"Texte absent du catalogue {x}": Extracted("Texte absent du catalogue {x}",
                                                                 locations=[("x.py", 1)])})
    assert any("missing" in line for line in missing)
    broken = check({"Bon retour, {name} !": Extracted("Bon retour, {name} !", locations=[("x.py", 1)])})
    assert broken == []


def test_translate_and_plural() -> None:
    assert t("en", "Bon retour, {name} !", name="Sam") == "Welcome back, Sam!"
    assert t("de", "Bon retour, {name} !", name="Sam") == "Bon retour, Sam !"  # unknown language → French
    assert set(load_translations()) == {"fr", "en"}
    assert tn("fr", "{n} place", "{n} places", 2) in {"2 places", "2 place"}
