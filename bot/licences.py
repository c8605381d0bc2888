"""The licences of the runtime dependencies, read from the installed packages' metadata.

The bot is MIT: it may depend on permissive licences, and on weak-copyleft libraries used unmodified
(LGPL psycopg, MPL certifi), whose own licence keeps applying to them. GPL or AGPL dependencies would
force the whole bot under their terms, so they are refused (`volunteer-bot licences` exits 1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import metadata

PROJECT = "paris-volunteers-bot"
PERMISSIVE = frozenset({"MIT", "MIT-CMU", "BSD-2-Clause", "BSD-3-Clause", "BSD", "0BSD", "ISC", "Apache-2.0",
                        "PSF-2.0", "Zlib", "CC0-1.0", "Unlicense", "HPND"})
WEAK_COPYLEFT = frozenset({"LGPL-2.1-only", "LGPL-2.1-or-later", "LGPL-3.0-only", "LGPL-3.0-or-later", "MPL-2.0"})
# Free-text License fields and trove classifiers, mapped to SPDX identifiers
_ALIASES = {
    "mit license": "MIT", "apache 2.0": "Apache-2.0", "apache 2": "Apache-2.0", "apache-2": "Apache-2.0",
    "apache software license": "Apache-2.0", "apache license, version 2.0": "Apache-2.0",
    "apache license 2.0": "Apache-2.0", "3-clause bsd license": "BSD-3-Clause", "bsd license": "BSD",
    "isc license": "ISC", "isc license (iscl)": "ISC", "python software foundation license": "PSF-2.0",
    "mozilla public license 2.0 (mpl 2.0)": "MPL-2.0", "gnu general public license v2 or later (gplv2+)":
    "GPL-2.0-or-later",
}


@dataclass(frozen=True)
class Dependency:
    name: str
    version: str
    licence: str  # an SPDX expression, or what the package says when it is not one

    @property
    def compatible(self) -> bool:
        return is_mit_compatible(self.licence)


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def spdx(text: str) -> str:
    return _ALIASES.get(text.strip().lower(), text.strip())


def licence_of(dist: metadata.Distribution) -> str:
    """License-Expression (PEP 639), else a short License field, else the licence classifiers."""
    meta = dist.metadata
    expression = (meta.get_all("License-Expression") or [""])[0].strip()
    if expression:
        return expression
    field = (meta.get_all("License") or [""])[0].strip()
    if field and "\n" not in field and len(field) <= 60:
        return spdx(field)
    classifiers = [spdx(c.rsplit("::", 1)[1]) for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return " AND ".join(classifiers) or "UNKNOWN"


def is_mit_compatible(expression: str) -> bool:
    """Every AND term allowed; for an OR, one allowed choice is enough."""
    terms = [term.strip(" ()") for term in re.split(r"\s+AND\s+", expression)]
    allowed = PERMISSIVE | WEAK_COPYLEFT
    return all(any(spdx(choice.strip(" ()")) in allowed for choice in re.split(r"\s+OR\s+", term))
               for term in terms)


def runtime_dependencies() -> list[Dependency]:
    """The installed packages the bot needs to run (no extras: test tools are not shipped), sorted by name."""
    seen: dict[str, Dependency] = {}
    todo = [PROJECT]
    while todo:
        name = _normalise(todo.pop())
        if name in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # a requirement whose marker excludes this platform (colorama on Windows, tomli before 3.11)
        seen[name] = Dependency(dist.metadata["Name"], dist.version, licence_of(dist))
        for requirement in dist.requires or []:
            if "extra ==" not in requirement:
                todo.append(re.match(r"[A-Za-z0-9_.\-]+", requirement).group(0))  # type: ignore[union-attr]
    seen.pop(PROJECT, None)
    return sorted(seen.values(), key=lambda dep: dep.name.lower())
