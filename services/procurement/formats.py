"""Read procurement JSON (OCDS release/record packages, DECP 1.x and 2.0.x, BOAMP records) into notices.

Records come one at a time from the streaming reader (`envelope_records`), whatever the file's size.
Real files break their own schemas in places, so parsing is lenient: a field that cannot be read is left
empty, and only a record with no identity or no object is skipped, with its reason. A file is refused as
a whole only when it is not JSON, or not one of the shapes we know (eForms XML: services/procurement/eforms.py).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from datetime import UTC, datetime, timedelta
from typing import Any

from locales import N_
from services.procurement.streaming import MAX_ENVELOPE_VALUE, FormatError, JsonRecords

DECP_1 = "decp-1"
DECP_2 = "decp-2"
OCDS_RELEASES = "ocds-release-package"
OCDS_RECORDS = "ocds-record-package"
BOAMP = "boamp"

# Procedure keys shown to users (French msgids); DECP labels and OCDS methods map onto them.
PROCEDURES = {
    "open": N_("Appel d'offres ouvert"),
    "restricted": N_("Appel d'offres restreint"),
    "adapted": N_("Procédure adaptée"),
    "negotiated": N_("Procédure négociée avec mise en concurrence"),
    "no_competition": N_("Marché sans publicité ni mise en concurrence"),
    "dialogue": N_("Dialogue compétitif"),
    "other": N_("Autre procédure"),
}
# Île-de-France: Paris, the petite couronne (92, 93, 94) and the grande couronne.
IDF_DEPARTMENTS = frozenset({"75", "77", "78", "91", "92", "93", "94", "95"})
IDF_REGION = "11"
# Letters NFKD does not split into a base letter and an accent (œuvre, cœur); typographic apostrophes.
_UNSPLIT_LETTERS = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ø": "o", "Ø": "O",
                                  "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "’": "'", "‘": "'"})


_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def strip_accents(text: str) -> str:
    """"Main-d’œuvre Élagage" → "Main-d'oeuvre Elagage": compatibility decomposition without combining marks."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNSPLIT_LETTERS))
    return _COMBINING.sub("", decomposed)


# NUTS 3 codes of Île-de-France (2016 and 2021 versions agree): FR101 Paris … FR108 Val-d'Oise.
_NUTS_IDF = {"FR101": "75", "FR102": "77", "FR103": "78", "FR104": "91", "FR105": "92", "FR106": "93",
             "FR107": "94", "FR108": "95"}
_CPV_RE = re.compile(r"^\s*(\d{8})(?:-\d)?\s*$")


@dataclass
class ParsedNotice:
    """A notice in the project's terms, ready to be stored."""

    source: str
    source_id: str
    kind: str  # "call" or "award"
    title: str
    buyer: str | None = None
    cpv_codes: list[str] = field(default_factory=list)
    country: str | None = None
    department: str | None = None
    region: str | None = None
    amount: float | None = None
    currency: str | None = None
    procedure: str | None = None
    deadline: datetime | None = None
    awarded_at: datetime | None = None
    winner: str | None = None
    term_end: datetime | None = None
    url: str | None = None
    published_at: datetime | None = None
    compiled: dict[str, Any] | None = None
    details: dict[str, Any] | None = None  # description, lots, other languages, the deadline's UTC offset…
    status: str = "active"  # or "cancelled"
    backfill: bool = False  # set by the import: an old record, never sent as new

    def content_hash(self) -> str:
        """Digest of the normalised content: same data, same hash, whatever the file's formatting."""
        fields = {key: getattr(self, key) for key in _HASHED}
        blob = json.dumps(fields, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


_HASHED = [f.name for f in dataclass_fields(ParsedNotice) if f.name not in ("compiled", "backfill")]


@dataclass(frozen=True)
class SkippedRecord:
    record: str  # the record's id when it has one, else its index in the file
    reason: str


@dataclass
class ParsedFile:
    source_format: str
    records: int
    notices: list[tuple[str, ParsedNotice]]  # (record id or index, notice), in file order
    skipped: list[SkippedRecord]  # unreadable records, with the reason
    merged: int = 0  # records folded into another one (several OCDS releases of one process)
    # OCDS releases that are not a notice on their own (an amendment): (label, ocid, compiled, reason)
    partial: list[tuple[str, str, dict[str, Any], str]] = field(default_factory=list)


# -- entry point ---------------------------------------------------------------------------------------

def envelope_records(cursor: JsonRecords, formats: list[str] | None = None) -> Iterator[tuple[str, Any]]:
    """(format, raw record) for each record of the document, read as it streams; FormatError if unknown.

    `formats` receives each list's format as soon as it is found (an empty list has no record to say it).
    """
    formats = formats if formats is not None else []
    if cursor.next_char() == "[":  # BOAMP's export: a list of records (objects)
        formats.append(BOAMP)
        for index, item in enumerate(cursor.array_items()):
            if index == 0 and not isinstance(item, dict):
                raise FormatError(N_("Format inconnu : le fichier doit contenir un objet JSON, pas une liste ou "
                                     "une valeur."))
            yield BOAMP, item
        cursor.finish()
        return
    if cursor.next_char() != "{":
        raise FormatError(N_("Format inconnu : le fichier doit contenir un objet JSON, pas une liste ou une valeur."))
    found = False
    for key in cursor.object_members():
        shape = cursor.next_char()
        if key == "marches" and shape == "[":
            found = True
            formats.append(DECP_1)
            for item in cursor.array_items():
                yield DECP_1, item
        elif key == "marches" and shape == "{":
            found = True
            for inner in cursor.object_members():
                if inner in ("marche", "contrat-concession") and cursor.next_char() == "[":
                    formats.append(DECP_2)
                    for item in cursor.array_items():
                        yield DECP_2, item
                elif inner in ("marche", "contrat-concession"):
                    raise FormatError(N_("Format inconnu : « {key} » doit être une liste de marchés."), key=inner)
                else:
                    cursor.value()
        elif key in ("releases", "records", "results") and shape == "[":
            found = True
            kind = {"releases": OCDS_RELEASES, "records": OCDS_RECORDS, "results": BOAMP}[key]
            formats.append(kind)
            for item in cursor.array_items():
                yield kind, item
        elif key in ("marches", "releases", "records"):
            raise FormatError(N_("Format inconnu : « {key} » doit être une liste d'enregistrements."), key=key)
        else:
            cursor.value(MAX_ENVELOPE_VALUE)
    cursor.finish()
    if not found:
        raise FormatError(N_("Format inconnu : ni DECP (« marches »), ni paquet OCDS (« releases » ou « records »), "
                             "ni BOAMP (« results » ou une liste)."))


def parse_document(raw: bytes | str) -> ParsedFile:
    """Parse a whole document held in memory (tests, small files): the same readers as the streaming import."""
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    parsed = ParsedFile("", 0, [], [])
    releases: dict[str, list[dict[str, Any]]] = {}
    labels: dict[str, str] = {}
    for source_format, item in envelope_records(JsonRecords(io.BytesIO(data))):
        parsed.source_format = source_format
        index = parsed.records
        parsed.records += 1
        if source_format == OCDS_RELEASES:
            release = ocds_release(index, item, parsed.skipped)
            if release is not None:
                releases.setdefault(release[0], []).append(item)
                labels[release[0]] = release[1]
            continue
        label, notice = parse_record(source_format, index, item, parsed.skipped)
        if notice is not None:
            parsed.notices.append((label, notice))
    for ocid, group in releases.items():
        compiled = merge_releases(None, group)
        try:
            parsed.notices.append((labels[ocid], notice_from_compiled(compiled, None)))
        except ValueError as error:
            parsed.partial.append((labels[ocid], ocid, compiled, str(error)))
    parsed.merged = sum(len(group) - 1 for group in releases.values())
    return parsed


def parse_record(source_format: str, index: int, item: Any,
                 skipped: list[SkippedRecord]) -> tuple[str, ParsedNotice | None]:
    """One DECP record or OCDS record (not a release: those are merged per process first)."""
    if source_format in (DECP_1, DECP_2):
        return decp_notice(index, item, skipped)
    if source_format == BOAMP:
        return boamp_notice(index, item, skipped)
    return ocds_record_notice(index, item, skipped)


# -- lenient readers -----------------------------------------------------------------------------------

def _obj(value: Any) -> dict[str, Any]:
    """The value if it is a JSON object, else an empty one (real files put null or strings anywhere)."""
    return value if isinstance(value, dict) else {}


def _text(value: Any, limit: int = 1000) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    text = " ".join(str(value).split())
    return text[:limit] or None


def _amount(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if value >= 0 else None
    if isinstance(value, str):
        cleaned = value.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
        try:
            number = float(cleaned)
        except ValueError:
            return None
        return number if number >= 0 else None
    return None


def _moment(value: Any) -> datetime | None:
    """A date or datetime in ISO form (DECP writes some with a timezone suffix, e.g. 2018-12-03+01:00)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        match = re.match(r"^(\d{4}-\d{2}-\d{2})", text)
        if not match:
            return None
        try:
            moment = datetime.fromisoformat(match.group(1))
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28,
                           31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1])
    return moment.replace(year=year, month=month, day=day)


def normalize_cpv(value: Any) -> str | None:
    """8 digits, check digit dropped ("45000000-7" → "45000000"); numbers that lost a leading zero fixed."""
    if isinstance(value, int):
        value = f"{value:08d}"
    if not isinstance(value, str):
        return None
    match = _CPV_RE.match(value)
    if match:
        return match.group(1)
    digits = value.split("-")[0].strip()
    if digits.isdigit() and len(digits) == 7:
        return "0" + digits
    return None


def department_from(code: Any, kind: str | None) -> tuple[str | None, str | None]:
    """(department, region) from a DECP place: postal code, commune (INSEE) code, department, region, NUTS."""
    text = _text(code, 20)
    if text is None:
        return None, None
    text = text.upper().replace(" ", "")
    label = strip_accents(kind or "").lower()
    if text.startswith("FR") or "nuts" in label:
        department = _NUTS_IDF.get(text[:5])
        if department is None and text[:3] == "FR1":
            return None, IDF_REGION
        return department, IDF_REGION if department else None
    if "region" in label:
        return None, text.zfill(2)
    if "departement" in label and (text.isdigit() or text in ("2A", "2B")):
        return text.zfill(2) if len(text) < 3 else text, None
    if len(text) >= 4 and (text[:2].isdigit() or text[:2] in ("2A", "2B")):
        # postal codes, commune and arrondissement codes all start with the department
        if text.startswith("97") or text.startswith("98"):
            return text[:3], None
        if text.startswith("20") and "postal" in label:
            return ("2A" if text[:3] in ("200", "201") else "2B"), None
        return text[:2], None
    if text.isdigit() and len(text) <= 3:
        return text.zfill(2), None
    return None, None


def procedure_key(label: Any) -> str | None:
    """Map a DECP procedure label or an OCDS procurementMethod onto one of PROCEDURES."""
    text = strip_accents(_text(label, 200) or "").lower()
    if not text:
        return None
    if text in ("open", "selective", "limited", "direct"):
        return {"open": "open", "selective": "restricted", "limited": "no_competition",
                "direct": "no_competition"}[text]
    if "sans publicite" in text:  # pre-2019 "Marché négocié sans…" and 1.5 "Marché passé sans…"
        return "no_competition"
    if "adaptee" in text:
        return "adapted"
    if "ouvert" in text and "offres" in text:
        return "open"
    if "restreint" in text:
        return "restricted"
    if "dialogue" in text:
        return "dialogue"
    if "negoci" in text:
        return "negotiated"
    return "other"


def _error(records: list[SkippedRecord], record: str, reason: str) -> None:
    records.append(SkippedRecord(record, reason))


# -- DECP ----------------------------------------------------------------------------------------------

def _unwrap(item: Any, key: str) -> Any:
    """DECP 2.0 wraps list items ({"titulaire": {...}}, {"modification": {...}}); 1.x does not."""
    if isinstance(item, dict) and key in item and isinstance(item[key], dict):
        return item[key]
    return item


def decp_notice(index: int, item: Any, skipped: list[SkippedRecord]) -> tuple[str, ParsedNotice | None]:
    """One DECP 1.x or 2.0 record as a notice (an award), or None with the reason added to `skipped`."""
    label = str(index)
    if not isinstance(item, dict):
        _error(skipped, label, "not an object")
        return label, None
    contract_id = _text(item.get("id"), 100)
    label = contract_id or label
    buyer = _obj(item.get("acheteur")) or _obj(item.get("autoriteConcedante"))
    buyer_id = _text(buyer.get("id"), 30)
    title = _text(item.get("objet"))
    if not contract_id:
        _error(skipped, label, "missing id")
        return label, None
    if not title:
        _error(skipped, label, "missing objet")
        return label, None
    uid = _text(item.get("uid"), 150) or f"{buyer_id or ''}{contract_id}"
    place = _obj(item.get("lieuExecution"))
    department, region = department_from(place.get("code"), place.get("typeCode"))
    amount = _amount(item.get("montant", item.get("valeurGlobale")))
    months = item.get("dureeMois")
    awarded = _moment(item.get("dateNotification") or item.get("dateSignature"))
    winners: list[str] = []
    holders_list = item.get("titulaires") or item.get("concessionnaires") or []
    for holder in holders_list if isinstance(holders_list, list) else []:
        holder = _unwrap(_unwrap(holder, "titulaire"), "concessionnaire")
        if isinstance(holder, dict):
            name = _text(holder.get("denominationSociale"), 200) or _text(holder.get("id"), 30)
            if name:
                winners.append(name)
    # amendments (avenants) change the amount, the duration or the holders; apply them in order
    changes = item.get("modifications") or []
    for change in changes if isinstance(changes, list) else []:
        change = _unwrap(change, "modification")
        if not isinstance(change, dict):
            continue
        amount = _amount(change.get("montant")) or amount
        months = change.get("dureeMois") or months
        holders = change.get("titulaires")
        if isinstance(holders, list) and holders:
            names = [_text(h.get("denominationSociale"), 200) or _text(h.get("id"), 30)
                     for h in (_unwrap(h, "titulaire") for h in holders) if isinstance(h, dict)]
            winners = [name for name in names if name] or winners
    term_end = None
    if awarded is not None and isinstance(months, int | float) and not isinstance(months, bool) and 0 < months < 1200:
        term_end = _add_months(awarded, int(months))
    cpv = normalize_cpv(item.get("codeCPV"))
    return label, ParsedNotice(
        source="decp", source_id=uid[:200], kind="award", title=title,
        buyer=_text(buyer.get("nom"), 300) or (f"SIRET {buyer_id}" if buyer_id else None),
        cpv_codes=[cpv] if cpv else [], country="FR", department=department, region=region,
        amount=amount, currency="EUR" if amount is not None else None,
        procedure=procedure_key(item.get("procedure")), awarded_at=awarded,
        winner=", ".join(winners)[:300] or None, term_end=term_end,
        published_at=_moment(item.get("datePublicationDonnees")) or awarded,
    )


# -- OCDS ----------------------------------------------------------------------------------------------

def merge_releases(base: dict[str, Any] | None, releases: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """A compiled release: later releases (by date) overwrite earlier fields; arrays of objects merge by id.

    This is the OCDS merge routine reduced to what notices use (tender, awards, contracts, parties).
    """
    compiled: dict[str, Any] = dict(base or {})
    for release in sorted(releases, key=lambda r: str(r.get("date") or "")):
        compiled = _merge(compiled, release)
    return compiled


def _merge(old: Any, new: Any) -> Any:
    if isinstance(old, dict) and isinstance(new, dict):
        merged = dict(old)
        for key, value in new.items():
            merged[key] = _merge(old.get(key), value) if value is not None else old.get(key)
        return merged
    if isinstance(old, list) and isinstance(new, list) and all(isinstance(x, dict) and "id" in x for x in new):
        by_id = {str(x.get("id")): x for x in old if isinstance(x, dict)}
        for item in new:
            key = str(item["id"])
            by_id[key] = _merge(by_id.get(key), item)
        return list(by_id.values())
    return new


def _cpvs(*item_lists: Any) -> list[str]:
    found: list[str] = []
    for items in item_lists:
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            for classification in [item.get("classification"), *(item.get("additionalClassifications") or [])]:
                if isinstance(classification, dict) and str(classification.get("scheme", "")).upper() == "CPV":
                    code = normalize_cpv(classification.get("id"))
                    if code and code not in found:
                        found.append(code)
    return found


def _country(compiled: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(country, department, region) from delivery places, then the buyer's address."""
    tender = _obj(compiled.get("tender"))
    for item in tender.get("items") or []:
        if not isinstance(item, dict):
            continue
        address = item.get("deliveryAddress") or {}
        if isinstance(address, dict) and address.get("postalCode"):
            department, region = department_from(address.get("postalCode"), "postal")
            return "FR", department, region
        for location in item.get("deliveryLocations") or []:
            gazetteer = (location or {}).get("gazetteer") or {}
            for identifier in gazetteer.get("identifiers") or []:
                if str(identifier).upper().startswith("FR"):
                    department, region = department_from(identifier, "nuts")
                    return "FR", department, region
    parties = [p for p in compiled.get("parties") or [] if isinstance(p, dict)]
    buyer = _obj(compiled.get("buyer"))
    for party in [buyer, *(p for p in parties if "buyer" in (p.get("roles") or []))]:
        address = _obj(party.get("address"))
        country = strip_accents(str(address.get("countryName") or "")).strip().upper()
        if country in ("FR", "FRANCE"):
            department, region = department_from(address.get("postalCode"), "postal")
            return "FR", department, region
        if len(country) == 2:
            return country, None, None
    if str(compiled.get("ocid", "")).startswith("ocds-78apv2"):  # the French State's DECP→OCDS prefix
        return "FR", None, None
    return None, None, None


def notice_from_compiled(compiled: dict[str, Any], package_uri: str | None) -> ParsedNotice:
    """Turn one compiled release into a notice; raises ValueError with a reason when it cannot."""
    ocid = _text(compiled.get("ocid"), 200)
    if not ocid:
        raise ValueError("missing ocid")
    tender = _obj(compiled.get("tender"))
    awards = [a for a in compiled.get("awards") or [] if isinstance(a, dict)
              and a.get("status") not in ("cancelled", "unsuccessful")]
    contracts = [c for c in compiled.get("contracts") or [] if isinstance(c, dict)]
    award: dict[str, Any] = awards[-1] if awards else {}
    linked = [c for c in contracts if not award or c.get("awardID") == award.get("id")]
    contract: dict[str, Any] = linked[-1] if linked else contracts[-1] if contracts else {}
    title = (_text(tender.get("title")) or _text(award.get("title"))
             or _text(award.get("description")) or _text(tender.get("description"))
             or _text(contract.get("title")) or _text(contract.get("description")))
    if not title:
        raise ValueError("no title or description")
    # a release that carries only a contract (no tender, no award) is a signed contract: an award
    value = award.get("value") or contract.get("value") or tender.get("value") or {}
    value = value if isinstance(value, dict) else {}
    buyer = _obj(compiled.get("buyer"))
    awarded_at = _moment(award.get("date")) or _moment(contract.get("dateSigned"))
    if not awarded_at and contract:
        awarded_at = _moment(_obj(contract.get("period")).get("startDate"))
    period = _obj(contract.get("period") or award.get("contractPeriod"))
    term_end = _moment(period.get("endDate"))
    days = period.get("durationInDays")
    if term_end is None and isinstance(days, int | float) and not isinstance(days, bool) and days > 0:
        start = _moment(period.get("startDate")) or awarded_at
        term_end = start + timedelta(days=int(days)) if start else None
    country, department, region = _country(compiled)
    url = next((d.get("url") for d in tender.get("documents") or []
                if isinstance(d, dict) and str(d.get("url", "")).startswith("http")), None) or package_uri
    currency = _text(value.get("currency"), 3)
    return ParsedNotice(
        source="ocds", source_id=ocid, kind="award" if award or contract else "call", title=title,
        buyer=_text(buyer.get("name"), 300),
        cpv_codes=_cpvs(tender.get("items"), *(a.get("items") for a in awards),
                        *(c.get("items") for c in contracts)),
        country=country, department=department, region=region,
        amount=_amount(value.get("amount")), currency=currency.upper() if currency else None,
        procedure=procedure_key(tender.get("procurementMethodDetails")) if tender.get("procurementMethodDetails")
        and procedure_key(tender.get("procurementMethodDetails")) != "other"
        else procedure_key(tender.get("procurementMethod")),
        deadline=None if award or contract else _moment((tender.get("tenderPeriod") or {}).get("endDate")),
        awarded_at=awarded_at,
        winner=", ".join(filter(None, (_text(s.get("name"), 200) for s in award.get("suppliers") or []
                                       if isinstance(s, dict))))[:300] or None,
        term_end=term_end, url=_text(url, 500), published_at=_moment(compiled.get("date")), compiled=compiled,
    )


def ocds_release(index: int, release: Any, skipped: list[SkippedRecord]) -> tuple[str, str] | None:
    """(ocid, label) of an OCDS release, or None with the reason added to `skipped`."""
    if not isinstance(release, dict):
        _error(skipped, str(index), "not an object")
        return None
    ocid = _text(release.get("ocid"), 200)
    label = _text(release.get("id"), 100) or str(index)
    if not ocid:
        _error(skipped, label, "missing ocid")
        return None
    return ocid, label


def ocds_record_notice(index: int, record: Any, skipped: list[SkippedRecord]) -> tuple[str, ParsedNotice | None]:
    label = str(index)
    if not isinstance(record, dict):
        _error(skipped, label, "not an object")
        return label, None
    label = _text(record.get("ocid"), 200) or label
    compiled = record.get("compiledRelease")
    if not isinstance(compiled, dict):
        releases = [r for r in record.get("releases") or [] if isinstance(r, dict) and "ocid" in r]
        if not releases:
            _error(skipped, label, "no compiledRelease and no embedded releases")
            return label, None
        compiled = merge_releases(None, releases)
    try:
        return label, notice_from_compiled(compiled, None)
    except ValueError as error:
        _error(skipped, label, str(error))
        return label, None


# -- BOAMP (DILA's open data) --------------------------------------------------------------------------
# Built from the dataset's published field list (no real file was at hand): every field is optional and
# read leniently; `donnees` (the full notice, a JSON text or object) is searched for CPV codes and a deadline.

_BOAMP_CANCEL = ("annulation",)
_BOAMP_CHANGE = ("rectificatif", "modificati")
_BOAMP_AWARD = ("resultat", "attribution")
_EIGHT_DIGITS = re.compile(r"\b(\d{8})(?:-\d)?\b")


def _listed(value: Any) -> list[str]:
    if isinstance(value, list):
        return [text for text in (_text(v, 200) for v in value) if text]
    text = _text(value, 500)
    return [part.strip() for part in re.split(r"[,;|]", text) if part.strip()] if text else []


def _cpv_in(value: Any, found: list[str], depth: int = 0) -> None:
    """CPV codes anywhere under a key that names them, in the full notice (whatever its version's layout)."""
    if depth > 30:
        return
    if isinstance(value, dict):
        for key, inner in value.items():
            if "cpv" in str(key).lower():
                for code in _EIGHT_DIGITS.findall(json.dumps(inner)):
                    if code not in found:
                        found.append(code)
            else:
                _cpv_in(inner, found, depth + 1)
    elif isinstance(value, list):
        for inner in value:
            _cpv_in(inner, found, depth + 1)


def boamp_notice(index: int, item: Any, skipped: list[SkippedRecord]) -> tuple[str, ParsedNotice | None]:
    """One BOAMP record: a call ("Avis de marché"), an award ("Résultat"), or a correction or cancellation
    of an earlier notice (`annonce_lie`): then a notice that patches that one (`details["patch_of"]`)."""
    label = str(index)
    record = _obj(item)
    record = _obj(record.get("record", {}).get("fields")) or _obj(record.get("fields")) or record  # API shapes
    if not record:
        _error(skipped, label, "not an object")
        return label, None
    idweb = _text(record.get("idweb"), 100)
    label = idweb or label
    title = _text(record.get("objet"))
    if not idweb:
        _error(skipped, label, "missing idweb")
        return label, None
    nature = strip_accents(" ".join([_text(record.get("nature_libelle"), 100) or "",
                                     _text(record.get("nature"), 100) or ""])).lower()
    linked = _listed(record.get("annonce_lie") or record.get("annonces_anterieures"))
    full = record.get("donnees")
    if isinstance(full, str):
        try:
            full = json.loads(full) if len(full) < 2_000_000 else None
        except ValueError:
            full = None
    cpv_codes: list[str] = []
    _cpv_in(full, cpv_codes)
    departments = _listed(record.get("code_departement"))
    department = departments[0].zfill(2) if len(departments) == 1 and departments[0].isalnum() else None
    descriptors = _listed(record.get("descripteur_libelle"))
    details: dict[str, Any] = {"description": ", ".join(descriptors) or None, "boamp_nature": nature or None,
                               "descriptors": _listed(record.get("descripteur_code"))}
    cancelled = any(word in nature for word in _BOAMP_CANCEL)
    if linked and (cancelled or any(word in nature for word in _BOAMP_CHANGE)):
        details.update(patch_of=linked[0], change_reason="cancel" if cancelled else "update")
    elif not title:
        _error(skipped, label, "missing objet")
        return label, None
    award = any(word in nature for word in _BOAMP_AWARD)
    deadline = _moment(record.get("datelimitereponse"))
    url = _text(record.get("url_avis"), 500)
    return label, ParsedNotice(
        source="boamp", source_id=idweb, kind="award" if award else "call", title=title or idweb,
        buyer=_text(record.get("nomacheteur"), 300), cpv_codes=cpv_codes[:20],
        country="FR", department=department, region=None,
        procedure=procedure_key(record.get("procedure_libelle") or record.get("type_procedure")),
        deadline=None if award else deadline, winner=_text(record.get("titulaire"), 300) if award else None,
        url=url if url and url.startswith("http") else None, published_at=_moment(record.get("dateparution")),
        details=details, status="cancelled" if cancelled else "active",
    )
