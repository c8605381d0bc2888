"""BOAMP records (DILA's open data), read leniently from the dataset's published field list: one notice per
idweb, corrections and cancellations applied to the notice they name."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlmodel import select

from bot.db import create_engine, create_sessionmaker
from models.procurement import Notice
from services.procurement.importing import import_document

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
CALL = {"idweb": "26-123456", "objet": "Nettoyage des locaux de la mairie du 11e arrondissement",
        "nomacheteur": "Ville de Paris", "dateparution": "2026-11-20", "datelimitereponse": "2026-12-15T12:00:00+01:00",
        "descripteur_code": ["245"], "descripteur_libelle": ["Nettoyage"], "code_departement": ["75"],
        "type_marche": ["SERVICES"], "nature_libelle": "Avis de marché", "procedure_libelle": "Procédure adaptée",
        "url_avis": "https://www.boamp.fr/pages/avis/?q=idweb:26-123456",
        "donnees": json.dumps({"OBJET": {"CPV": {"PRINCIPAL": "90911200"}}})}


async def test_boamp_calls_corrections_and_cancellations(any_db_url: str) -> None:
    engine = create_engine(any_db_url)
    sessions = create_sessionmaker(engine)
    try:
        odd = {"idweb": "26-1", "objet": None, "code_departement": "75, 92", "donnees": "{not json"}  # lenient
        first = await import_document(sessions, json.dumps([CALL, odd, {"objet": "no idweb"}]), NOW)
        assert (first.source_format, first.records, first.imported, first.skipped) == ("boamp", 3, 1, 2)
        assert [e["reason"] for e in first.errors] == ["missing objet", "missing idweb"]
        again = await import_document(sessions, json.dumps({"total_count": 1, "results": [CALL]}), NOW)
        assert (again.imported, again.updated) == (0, 0)  # one notice per idweb, whatever the export's shape
        correction = {"idweb": "26-123999", "objet": CALL["objet"], "nature_libelle": "Rectificatif",
                      "annonce_lie": ["26-123456"], "datelimitereponse": "2026-12-22T12:00:00+01:00"}
        assert (await import_document(sessions, json.dumps([correction]), NOW)).updated == 1
        async with sessions() as session:
            notice = (await session.execute(select(Notice))).scalar_one()
        assert (notice.source_id, notice.kind, notice.buyer, notice.department, notice.cpv_codes) == (
            "26-123456", "call", "Ville de Paris", "75", ["90911200"])
        assert notice.deadline == datetime(2026, 12, 22, 11, 0, tzinfo=UTC) and notice.procedure == "adapted"
        cancel = {"idweb": "26-124000", "nature_libelle": "Annulation", "annonce_lie": "26-123456"}
        unknown = {"idweb": "26-124001", "nature_libelle": "Annulation", "annonce_lie": "26-000000"}
        last = await import_document(sessions, json.dumps([cancel, unknown]), NOW)
        assert (last.updated, last.errors) == (1, [{"record": "26-124001",
                                                    "reason": "correction of a notice not imported"}])
        async with sessions() as session:
            assert (await session.execute(select(Notice))).scalar_one().status == "cancelled"
    finally:
        await engine.dispose()
