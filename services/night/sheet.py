"""The paper list for the night: one printable HTML page per meeting point (teams, roles, needs, a box to tick
for presence), in the reader's language. Print it from any browser; nothing but the roster is in it."""

from __future__ import annotations

from html import escape

from locales import N_, t
from locales.formatting import format_clock, format_day
from models.night import NightEdition, NightRole
from services.night import rules

_STYLE = """body{font-family:sans-serif;font-size:11pt;margin:1.5cm}
section{page-break-after:always}section:last-child{page-break-after:auto}
h1{font-size:16pt;margin:0}h2{font-size:13pt;margin:.8em 0 .2em}p.where{margin:.2em 0 .6em;color:#333}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #999;padding:3px 6px;text-align:left}
td.box{width:1.2cm}"""


_COLUMNS = (N_("Là"), N_("Nom"), N_("Rôle"), N_("Besoins"))


def render(edition: NightEdition, roster: rules.Roster, locale: str) -> bytes:
    pages: list[str] = []
    for point, address, teams in roster.points:
        when = min(team.sector.meeting_at for team in teams)
        rows: list[str] = []
        for team in teams:
            kind = t(locale, rules.SECTOR_KINDS.get(team.sector.kind, rules.SECTOR_KINDS["other"]))
            rows.append(f"<h2>{escape(t(locale, N_('Équipe {code}'), code=team.sector.code))} — {escape(kind)}, "
                        f"Paris {team.sector.arrondissement}</h2>")
            lines = []
            if team.leader:
                lines.append((team.leader, t(locale, N_("responsable")), ""))
            for person in team.people:
                role = t(locale, N_("responsable")) if person.role == NightRole.LEADER else t(locale, N_("équipier"))
                needs = ", ".join([t(locale, rules.NEEDS[n]) for n in person.needs if n in rules.NEEDS]
                                  + ([person.note] if person.note else []))
                lines.append((person.name, role, needs))
            cells = "".join(f"<tr><td class=box>☐</td><td>{escape(name)}</td><td>{escape(role)}</td>"
                            f"<td>{escape(needs)}</td></tr>" for name, role, needs in lines)
            header = "".join(f"<th>{escape(t(locale, label))}</th>" for label in _COLUMNS)
            rows.append(f"<table><tr>{header}</tr>{cells}</table>")
        pages.append(f"<section><h1>📍 {escape(point)}</h1><p class=where>{escape(address)} — "
                     f"{escape(format_day(when, locale))} {escape(format_clock(when, locale))}</p>{''.join(rows)}"
                     "</section>")
    title = escape(edition.name)
    return (f"<!doctype html><html lang={locale}><meta charset=utf-8><title>{title}</title>"
            f"<style>{_STYLE}</style>{''.join(pages)}</html>").encode()
