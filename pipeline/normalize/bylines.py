"""Authors: a byline's names, whether trafilatura found them in a page or a plain-text
article states them in a header line (``Par Jean Dupont, envoyé spécial``, ``Auteur :
Marie Curie``). One place splits names, so ``.html``, ``.txt`` and ``.jsonl`` articles store
``author`` the same way: names joined by ``"; "``, the "Par" and the role left out.
"""

from __future__ import annotations

import re

_PREFIX = re.compile(r"^par\s+", re.IGNORECASE)
_AND = re.compile(r"\s+et\s+")
_COMMA = re.compile(r"\s*,\s*")

# A name: capitalised words (initials and hyphens allowed: ``J.-P. Le Goff``), with the
# particles French names carry. Case matters here: "Par ailleurs, …" is prose.
_WORD = r"[A-ZÀ-ÖØ-Þ][\w'’.-]*"
_PARTICLES = r"(?:(?:de|du|des|le|la|van|von|der|ben|el)\s+)*(?:d['’]|l['’])?"
_PERSON = rf"{_WORD}(?:\s+{_PARTICLES}{_WORD}){{0,3}}"
_BYLINE = re.compile(
    rf"(?i:par)\s+(?P<names>{_PERSON}(?:\s*(?:,|\bet\b)\s*{_PERSON})*)"
    # then maybe a role or an agency: ", envoyé spécial", " (AFP)", " – Reuters"
    r"(?:(?:\s*[,(]|\s+[–—-])\s*[^\n]{0,60})?"
)
#: A byline is a short line of its own; longer lines are prose however they start.
MAX_BYLINE_WORDS = 12


def split_authors(found: str) -> str | None:
    """Names from an author string (trafilatura joins several with ``"; "``), French
    bylines split the same way and their "Par" left out."""
    names = [
        name.strip()
        for part in found.split(";")
        for name in _AND.split(_PREFIX.sub("", part.strip(), count=1))
    ]
    return "; ".join(n for n in names if n) or None


def byline(line: str) -> str | None:
    """The names of a plain-text byline line (``Par Jean Dupont et Marie Curie (AFP)``);
    None when the line is not one."""
    if len(line.split()) > MAX_BYLINE_WORDS:
        return None
    match = _BYLINE.fullmatch(line.strip())
    # a byline's commas separate names ("Par A, B et C"); an author field's may not
    return split_authors(_COMMA.sub("; ", match["names"])) if match else None
