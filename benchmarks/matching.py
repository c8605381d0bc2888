"""Notice matching: 10,000 subscriptions × 2,000 new notices through the index vs the naive loop; import rate.

Prints one JSON line. Notices are the real DECP sample's notices, cycled with CPV codes drawn from the real
vocabulary; subscriptions mix CPV prefixes, keywords (stems of real titles), places, amounts and kinds.
"""

from __future__ import annotations

import asyncio
import json
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.db import create_engine, create_sessionmaker, upgrade_database
from services.procurement import cpv
from services.procurement.formats import parse_document
from services.procurement.importing import import_document
from services.procurement.matching import KINDS, PLACES, NoticeFacts, SubscriptionIndex, SubscriptionRule, match_naively

SAMPLE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "procurement" / \
    "decp-v1-e-marchespublics-2019-04-03.json"
NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
SUBSCRIPTIONS, NOTICES = 10_000, 2_000


def build(seed: int = 7) -> tuple[list[SubscriptionRule], list[NoticeFacts]]:
    rng = random.Random(seed)
    parsed = [n for _, n in parse_document(SAMPLE.read_bytes()).notices]
    codes = list(cpv.vocabulary().by_code8)
    words = sorted({w for n in parsed for w in n.title.lower().split() if len(w) > 5})
    notices = []
    for i in range(NOTICES):
        base = parsed[i % len(parsed)]
        notices.append(NoticeFacts(i, rng.choice(["call", "award"]), (rng.choice(codes),), base.title,
                                   "FR", rng.choice([base.department, "75", "93", "13", "69"]), None,
                                   base.amount, base.term_end))
    rules = []
    for i in range(SUBSCRIPTIONS):
        style = rng.random()
        prefixes = [cpv.significant_prefix(rng.choice(codes))[:rng.choice([3, 4, 5])]
                    for _ in range(rng.randint(1, 3))] if style < 0.7 else []
        keywords = [rng.choice(words) for _ in range(rng.randint(1, 2))] if style >= 0.5 else []
        rules.append(SubscriptionRule.build(
            id=i, user_id=i, cpv_prefixes=prefixes, keywords=keywords,
            places=rng.sample(PLACES, rng.randint(0, 2)),
            amount_min=rng.choice([None, 25_000.0]), amount_max=rng.choice([None, 500_000.0]),
            kinds=rng.sample(KINDS, rng.randint(1, 3))))
    return rules, notices


async def import_rate() -> tuple[int, float]:
    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(f"sqlite+aiosqlite:///{Path(scratch) / 'bench.db'}")
        await upgrade_database(engine)
        start = time.perf_counter()
        summary = await import_document(create_sessionmaker(engine), SAMPLE.read_bytes(), NOW, notify=False)
        elapsed = time.perf_counter() - start
        await engine.dispose()
    return summary.records, elapsed


def main() -> None:
    rules, notices = build()
    start = time.perf_counter()
    index = SubscriptionIndex.build(rules)
    built = time.perf_counter() - start
    start = time.perf_counter()
    indexed = [sorted(rule.id for rule, _ in index.match(notice, NOW)) for notice in notices]
    matched = time.perf_counter() - start
    start = time.perf_counter()
    naive = [sorted(rule.id for rule, _ in match_naively(rules, notice, NOW)) for notice in notices]
    naive_time = time.perf_counter() - start
    records, import_time = asyncio.run(import_rate())
    print(json.dumps({
        "benchmark": "notice_matching", "subscriptions": len(rules), "notices": len(notices),
        "index_build_s": round(built, 4), "index_match_s": round(matched, 4),
        "index_total_s": round(built + matched, 4), "naive_match_s": round(naive_time, 4),
        "speedup": round(naive_time / matched, 1) if matched else None,
        "matches": sum(map(len, indexed)), "same_results": indexed == naive,
        "target_s": 1.0, "meets_target": built + matched < 1.0,
        "import_sample": SAMPLE.name, "import_records": records, "import_s": round(import_time, 3),
        "import_records_per_s": round(records / import_time, 1),
    }))


if __name__ == "__main__":
    main()
