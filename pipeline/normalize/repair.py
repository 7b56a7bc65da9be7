"""Text repairs applied once, before any offset exists: the result is the stored text.

Each step is recorded by name when it changed something, so an article says what was done
to it: ``ftfy`` (mojibake and other encoding damage), ``newlines`` (CRLF, CR and Unicode line
separators to LF), ``nfc`` (canonical composition), ``invisible`` (zero-width spaces, bidi
marks, soft hyphens, stray BOMs) and ``whitespace`` (trailing spaces of lines, blank ends).
Running ``repair`` on its own output changes nothing.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import ftfy

# Invisible marks that carry no content in news text. Zero-width (non-)joiners are kept:
# they hold emoji sequences and some scripts together.
_INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]"
)
_NEWLINES = re.compile("\r\n?|[\u2028\u2029\x85\x0b\x0c]")
_TRAILING = re.compile(r"[ \t]+$", re.MULTILINE)


@cache
def _ftfy_config() -> ftfy.TextFixerConfig:
    # uncurl_quotes=False: straightening ’ « » would rewrite the author's French typography.
    # Line breaks and NFC are separate steps here so that each is recorded on its own.
    return ftfy.TextFixerConfig(uncurl_quotes=False, fix_line_breaks=False, normalization=None)


def repair(text: str) -> tuple[str, list[str]]:
    """The repaired text and the names of the steps that changed it, in order."""
    repairs: list[str] = []
    if _NEWLINES.search(text):
        text = _NEWLINES.sub("\n", text)
        repairs.append("newlines")
    # Invisible marks go before ftfy (one inside a mojibake sequence hides it) and after it
    # (a repaired sequence can decode to one).
    cleaned = _INVISIBLE.sub("", text)
    invisible = len(cleaned) != len(text)
    fixed = ftfy.fix_text(cleaned, _ftfy_config())
    if fixed != cleaned:
        repairs.append("ftfy")
    if not unicodedata.is_normalized("NFC", fixed):
        fixed = unicodedata.normalize("NFC", fixed)
        repairs.append("nfc")
    text = _INVISIBLE.sub("", fixed)
    if invisible or len(text) != len(fixed):
        repairs.append("invisible")
    stripped = _TRAILING.sub("", text).strip()
    if stripped != text:
        text = stripped
        repairs.append("whitespace")
    return text, repairs
