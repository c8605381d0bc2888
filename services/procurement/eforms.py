"""eForms notices (the EU standard TED publishes since 2023): contract, change and award notices, as XML.

Read with `iterparse`, one element at a time: each lot is cleared once read, so a notice with hundreds of lots
holds one lot in memory. Where the facts sit is the SDK's business terms (BT-21 title, BT-24 description,
BT-262 main CPV, BT-263 additional CPV, BT-5071 place (NUTS), BT-131 deadline for tenders, BT-27 estimated
value, BT-04 procedure identifier, BT-758 changed notice, BT-140 change reason, BT-720 tender value).

A procedure is one notice here (`source_id` = ContractFolderID): a change notice republishes it with its
changes (a new deadline) or withdraws it (reason "cancel"); an award notice turns it into an award.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError, iterparse

from locales import N_
from services.procurement.formats import (
    ParsedNotice,
    _add_months,
    _amount,
    department_from,
    normalize_cpv,
    procedure_key,
)
from services.procurement.streaming import FormatError

# eForms languages are ISO 639-2/B ("FRA", "ENG"); readers are "fr" or "en".
LANGUAGES = {"FRA": "fr", "ENG": "en", "DEU": "de", "ITA": "it", "SPA": "es", "NLD": "nl", "BUL": "bg",
             "CES": "cs", "DAN": "da", "ELL": "el", "EST": "et", "FIN": "fi", "GLE": "ga", "HRV": "hr", "HUN": "hu",
             "LAV": "lv", "LIT": "lt", "MLT": "mt", "POL": "pl", "POR": "pt", "RON": "ro", "SLK": "sk", "SLV": "sl",
             "SWE": "sv"}
PROCEDURES = {"open": "open", "restricted": "restricted", "neg-w-call": "negotiated", "neg-wo-call": "no_competition",
              "comp-dial": "dialogue", "innovation": "other", "oth-single": "other", "oth-mult": "other"}
_OFFSET = re.compile(r"(Z|[+-]\d{2}:\d{2})$")
MAX_LOTS = 1000


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _moment(day: str | None, time: str | None) -> tuple[datetime | None, str | None]:
    """eForms writes "2020-02-04+02:00" and "10:00:00+02:00": the moment in UTC, and the offset as written."""
    if not day:
        return None, None
    day = day.strip()
    offset_match = _OFFSET.search((time or "").strip()) or _OFFSET.search(day)
    offset = offset_match.group(1) if offset_match else "Z"
    date_part = _OFFSET.sub("", day)
    time_part = _OFFSET.sub("", (time or "").strip()) or "23:59:59"  # a day without a time: the day's end
    try:
        naive = datetime.fromisoformat(f"{date_part}T{time_part}")
    except ValueError:
        return None, None
    zone = UTC if offset == "Z" else timezone(timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6]))
                                              * (-1 if offset[0] == "-" else 1))
    return naive.replace(tzinfo=zone).astimezone(UTC), "+00:00" if offset == "Z" else offset


class _Notice:
    """What is gathered while the XML streams by."""

    def __init__(self) -> None:
        self.root = ""
        self.fields: dict[str, str] = {}
        self.texts: dict[str, dict[str, str]] = {"title": {}, "description": {}}
        self.cpv: list[str] = []
        self.nuts: list[str] = []
        self.organizations: dict[str, dict[str, str]] = {}
        self.lots: list[dict[str, Any]] = []
        self.tenders: dict[str, float] = {}  # tender id → value (award notices)
        self.winners: list[str] = []
        self.url: str | None = None


def _text(element: Element) -> str:
    return " ".join((element.text or "").split())


def parse_eforms(stream: IO[bytes]) -> ParsedNotice:
    """One eForms notice as a notice (kind "call" or "award"); FormatError when it is not one we can read."""
    notice = _Notice()
    path: list[str] = []
    lot: dict[str, Any] | None = None
    organization: dict[str, str] | None = None
    try:
        for event, element in iterparse(stream, events=("start", "end")):
            name = _local(element.tag)
            if event == "start":
                path.append(name)
                if len(path) == 1:
                    notice.root = name
                elif name == "ProcurementProjectLot" and len(path) == 2:
                    lot = {"id": "", "title": {}, "cpv": [], "deadline": None, "offset": None, "value": None,
                           "nuts": []}
                elif name == "Organization":
                    organization = {}
                continue
            _collect(notice, path, element, lot, organization)
            if name == "ProcurementProjectLot" and lot is not None and len(path) == 2:
                if len(notice.lots) < MAX_LOTS:
                    notice.lots.append(lot)
                lot = None
                element.clear()  # bounded memory: a lot is read, then dropped
            elif name == "Organization" and organization is not None:
                if organization.get("id"):
                    notice.organizations[organization["id"]] = organization
                organization = None
            path.pop()
    except ParseError as error:
        line, column = error.position
        raise FormatError(N_("Fichier illisible : XML invalide ou tronqué (ligne {line}, colonne {column})."),
                          line=line, column=column) from None
    return _notice(notice)


def _collect(notice: _Notice, path: list[str], element: Element, lot: dict[str, Any] | None,
             organization: dict[str, str] | None) -> None:
    name = path[-1]
    parent = path[-2] if len(path) > 1 else ""
    where = "/".join(path[1:])
    language = LANGUAGES.get(element.get("languageID") or "", (element.get("languageID") or "").lower()[:2])
    if organization is not None:
        if name == "ID" and parent == "PartyIdentification" and "Company" in path and "id" not in organization:
            organization["id"] = _text(element)
        elif name == "Name" and parent == "PartyName":
            organization.setdefault(f"name:{language}", _text(element))
        elif name == "CountrySubentityCode" and "PostalAddress" in path:
            organization.setdefault("nuts", _text(element))
        elif name == "IdentificationCode" and parent == "Country":
            organization.setdefault("country", _text(element))
        return
    if len(path) == 2 and name in ("ID", "ContractFolderID", "IssueDate", "IssueTime", "VersionID",
                                   "NoticeTypeCode", "NoticeLanguageCode"):
        notice.fields.setdefault(name, _text(element))
    elif where == "ContractingParty/Party/PartyIdentification/ID":
        notice.fields.setdefault("buyer", _text(element))
    elif where == "TenderingProcess/ProcedureCode":
        notice.fields["procedure"] = _text(element)
    elif name == "ChangedNoticeIdentifier":
        notice.fields["changes"] = _text(element)
    elif name == "ReasonCode" and parent == "ChangeReason":
        notice.fields["change_reason"] = _text(element)
    elif lot is not None:
        _collect_lot(lot, notice, path, element, language)
    elif len(path) > 2 and path[1] == "ProcurementProject":
        if name == "Name" and len(path) == 3:
            notice.texts["title"].setdefault(language, _text(element))
        elif name == "Description" and len(path) == 3:
            notice.texts["description"].setdefault(language, " ".join((element.text or "").split()))
        elif name == "ItemClassificationCode" and parent in ("MainCommodityClassification",
                                                             "AdditionalCommodityClassification"):
            code = normalize_cpv(_text(element))
            if code and code not in notice.cpv:
                notice.cpv.append(code)
        elif name == "CountrySubentityCode" and "RealizedLocation" in path:
            notice.nuts.append(_text(element))
        elif name == "EstimatedOverallContractAmount":
            notice.fields.setdefault("value", _text(element))
            notice.fields.setdefault("currency", element.get("currencyID") or "EUR")
    elif name == "PayableAmount" and "LotTender" in path:
        notice.fields["tender_value"] = str((_amount(_text(element)) or 0) + (_amount(notice.fields.get(
            "tender_value")) or 0))
        notice.fields.setdefault("currency", element.get("currencyID") or "EUR")
    elif name == "TotalAmount" and "NoticeResult" in path:
        notice.fields["total_value"] = _text(element)
        notice.fields.setdefault("currency", element.get("currencyID") or "EUR")
    elif name == "ID" and parent == "Tenderer":
        winner = _text(element)
        if winner not in notice.winners:
            notice.winners.append(winner)
    elif name == "IssueDate" and "SettledContract" in path:
        notice.fields.setdefault("signed", _text(element))


def _collect_lot(lot: dict[str, Any], notice: _Notice, path: list[str], element: Element, language: str) -> None:
    name, parent = path[-1], path[-2]
    inner = path[2:]  # below ProcurementProjectLot
    if name == "ID" and len(path) == 3:
        lot["id"] = _text(element)
    elif inner[:1] == ["ProcurementProject"] and name == "Name" and len(inner) == 2:
        lot["title"].setdefault(language, _text(element))
    elif name == "ItemClassificationCode" and parent in ("MainCommodityClassification",
                                                         "AdditionalCommodityClassification"):
        code = normalize_cpv(_text(element))
        if code and code not in lot["cpv"]:
            lot["cpv"].append(code)
    elif name == "CountrySubentityCode" and "RealizedLocation" in path:
        lot["nuts"].append(_text(element))
    elif name in ("EndDate", "EndTime") and parent == "TenderSubmissionDeadlinePeriod":  # BT-131
        lot["end_date" if name == "EndDate" else "end_time"] = _text(element)
    elif name in ("EndDate", "EndTime") and parent == "ParticipationRequestReceptionPeriod":  # BT-1311
        # a restricted or negotiated procedure: what an SME must meet first is the request to participate
        lot.setdefault("request_date" if name == "EndDate" else "request_time", _text(element))
    elif name == "EstimatedOverallContractAmount":
        lot["value"] = _amount(_text(element))
    elif name == "DurationMeasure" and parent == "PlannedPeriod":  # BT-36: how long the contract runs
        lot["duration"] = (_amount(_text(element)), element.get("unitCode") or "MONTH")
    elif name == "EndDate" and parent == "PlannedPeriod":
        lot["term_end"] = _text(element)
    elif name == "URI" and "CallForTendersDocumentReference" in path and notice.url is None:
        notice.url = _text(element)


def _term_end(lots: list[dict[str, Any]], signed: datetime | None) -> datetime | None:
    """When the awarded contract ends (for renewal leads): its planned end, or its signature plus its duration."""
    for lot in lots:
        end, _ = _moment(lot.get("term_end"), None)
        if end is not None:
            return end
        amount, unit = lot.get("duration") or (None, "")
        if signed is not None and amount:
            if unit == "DAY":
                return signed + timedelta(days=amount)
            return _add_months(signed, int(amount) * (12 if unit == "YEAR" else 1))
    return None


def _pick(texts: dict[str, str]) -> str | None:
    """The notice's text: French first (the City's readers), else English, else any."""
    return texts.get("fr") or texts.get("en") or next(iter(texts.values()), None)


def _notice(notice: _Notice) -> ParsedNotice:
    fields = notice.fields
    if notice.root not in ("ContractNotice", "ContractAwardNotice", "PriorInformationNotice"):
        raise FormatError(N_("Format inconnu : ce XML n'est pas un avis eForms (avis de marché, "
                             "de modification ou d'attribution)."))
    folder = fields.get("ContractFolderID")
    if not folder:
        raise FormatError(N_("Avis eForms illisible : il n'a pas d'identifiant de procédure (ContractFolderID)."))
    for lot in notice.lots:
        lot["deadline"], lot["offset"] = _moment(lot.pop("end_date", None), lot.pop("end_time", None))
        requested = _moment(lot.pop("request_date", None), lot.pop("request_time", None))
        if lot["deadline"] is None:
            lot["deadline"], lot["offset"] = requested
        for code in lot["cpv"]:
            if code not in notice.cpv:
                notice.cpv.append(code)
    title = _pick(notice.texts["title"]) or next((_pick(lot["title"]) for lot in notice.lots if lot["title"]), None)
    if not title:
        raise FormatError(N_("Avis eForms illisible : il n'a pas de titre."))
    deadlines = [(lot["deadline"], lot["offset"]) for lot in notice.lots if lot["deadline"]]
    deadline, offset = min(deadlines, key=lambda pair: pair[0]) if deadlines else (None, None)
    award = notice.root == "ContractAwardNotice"
    buyer = notice.organizations.get(fields.get("buyer", ""), {})
    buyer_name = _pick({key[5:]: value for key, value in buyer.items() if key.startswith("name:")})
    places = notice.nuts or [code for lot in notice.lots for code in lot["nuts"]] or [buyer.get("nuts", "")]
    department, region = department_from(places[0], "nuts") if places and places[0] else (None, None)
    country = "FR" if any(p.startswith("FR") for p in places if p) else (buyer.get("country") or "")[:2] or None
    value = _amount(fields.get("total_value")) or _amount(fields.get("tender_value")) if award else None
    if value is None:
        value = _amount(fields.get("value")) or (sum(lot["value"] or 0 for lot in notice.lots) or None)
    published, _ = _moment(fields.get("IssueDate"), fields.get("IssueTime"))
    winners = [_pick({key[5:]: value for key, value in notice.organizations.get(w, {}).items()
                      if key.startswith("name:")}) or w for w in notice.winners]
    cancelled = fields.get("change_reason") == "cancel"
    details: dict[str, Any] = {
        "notice_id": f"{fields.get('ID', '')}-{fields.get('VersionID', '')}",
        "description": _pick(notice.texts["description"]),
        "titles": notice.texts["title"],
        "lots": [{"id": lot["id"], "title": _pick(lot["title"]), "cpv": lot["cpv"], "value": lot["value"],
                  "deadline": lot["deadline"].isoformat() if lot["deadline"] else None} for lot in notice.lots],
        "deadline_offset": offset,
        "nuts": places[0] if places else None,
    }
    if fields.get("changes"):
        details["changes"] = fields["changes"]
        details["change_reason"] = fields.get("change_reason")
    signed, _ = _moment(fields.get("signed"), None)
    term_end = _term_end(notice.lots, signed) if award else None
    return ParsedNotice(
        source="eforms", source_id=folder[:200], kind="award" if award else "call", title=title,
        buyer=buyer_name, cpv_codes=notice.cpv, country=country, department=department, region=region,
        amount=value, currency=(fields.get("currency") or "EUR")[:3] if value is not None else None,
        procedure=PROCEDURES.get(fields.get("procedure", ""), procedure_key(fields.get("procedure"))),
        deadline=None if award else deadline, awarded_at=signed if award else None,
        winner=", ".join(winners)[:300] or None, term_end=term_end, url=notice.url, published_at=published,
        details=details, status="cancelled" if cancelled else "active",
    )
