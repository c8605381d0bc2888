"""The subscription index finds exactly what the naive loop finds, with French stems and places."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from benchmarks.matching import build
from services.procurement.cpv import search
from services.procurement.formats import department_from, procedure_key, strip_accents
from services.procurement.matching import NoticeFacts, SubscriptionIndex, SubscriptionRule, match_naively, stems

NOW = datetime(2026, 11, 23, tzinfo=UTC)


def test_index_equals_naive_loop_on_a_mixed_population() -> None:
    rules, notices = build(seed=3)
    rules, notices = rules[:2000], notices[:300]
    index = SubscriptionIndex.build(rules)
    for notice in notices:
        assert sorted(r.id for r, _ in index.match(notice, NOW)) == sorted(
            r.id for r, _ in match_naively(rules, notice, NOW))


def test_stems_places_amounts_and_renewals() -> None:
    assert stems("Voiries") == stems("voirie") and stems("ÉCOLES") == stems("ecole")
    road = SubscriptionRule.build(id=1, user_id=1, keywords=["voiries"], places=["idf"], kinds=["renewal"])
    cleaning = SubscriptionRule.build(id=2, user_id=2, cpv_prefixes=["9091"], amount_max=100_000, kinds=["call"])
    index = SubscriptionIndex.build([road, cleaning])
    award = NoticeFacts(10, "award", ("45233141",), "Entretien de la voirie communale", "FR", "93", None, 50_000,
                        NOW + timedelta(days=90))
    assert [(r.id, kind) for r, kind in index.match(award, NOW)] == [(1, "renewal")]
    ended_long_ago = NoticeFacts(11, "award", (), "Voirie", "FR", "93", None, None, NOW - timedelta(days=1))
    assert index.match(ended_long_ago, NOW) == []
    outside = NoticeFacts(12, "award", (), "Voirie", "FR", "13", None, None, NOW + timedelta(days=30))
    assert index.match(outside, NOW) == []
    call = NoticeFacts(13, "call", ("90911200",), "Nettoyage des bâtiments", "FR", "75", None, 80_000, None)
    assert [r.id for r, _ in index.match(call, NOW)] == [2]
    too_big = NoticeFacts(14, "call", ("90911200",), "Nettoyage", "FR", "75", None, 150_000, None)
    assert index.match(too_big, NOW) == []


def test_accents_ligatures_and_apostrophes_fold_like_their_plain_spelling() -> None:
    """The standard library's folding (Unidecode was GPL) keeps French words matchable however they are typed."""
    assert strip_accents("Main-d’œuvre ÉLAGAGE à Noël, Æsop, Straße") == "Main-d'oeuvre ELAGAGE a Noel, AEsop, Strasse"
    assert stems("main d'œuvre") == stems("Main d'oeuvre") == stems("MAIN D’ŒUVRE")
    assert procedure_key("Procédure adaptée") == procedure_key("procedure adaptee") == "adapted"
    assert department_from("75013", "Code postal") == ("75", None)
    assert [code.code8 for code in search("reparation de chaussees")] == \
        [code.code8 for code in search("Réparation de chaussées")]
    assert search("chaussées")
