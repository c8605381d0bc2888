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


def test_arrondissements_are_written_as_people_write_them() -> None:
    from locales.formatting import format_arrondissement

    assert [format_arrondissement(n, "fr") for n in (1, 2, 11, 20)] == ["1er", "2e", "11e", "20e"]
    assert [format_arrondissement(n, "en") for n in (1, 2, 3, 4, 11, 12, 13, 20)] == \
        ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "20th"]
