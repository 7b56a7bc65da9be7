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
from ftfy import chardata
from ftfy.badness import is_bad

# Invisible marks that carry no content in news text. Zero-width (non-)joiners are kept:
# they hold emoji sequences and some scripts together.
_INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]"
)
_NEWLINES = re.compile("\r\n?|[\u2028\u2029\x0b\x0c]")
_TRAILING = re.compile(r"[ \t]+$", re.MULTILINE)
_MAX_ROUNDS = 3
# What str.strip() strips, minus C1/C0 separators: U+0085 in news text is a cp1252 ellipsis
# that ftfy turns back into "…", not blank space.
_BLANKS = "".join(
    c for c in map(chr, range(0x3001)) if c.isspace() and c not in "\x1c\x1d\x1e\x1f\x85"
)


# Every character one of ftfy's fixers other than mojibake detection acts on: HTML entities
# (&), terminal escapes, C1 controls, surrogates, and the tables of ftfy's ligature, width
# and control-character fixers. Text without them and without mojibake (ftfy's own is_bad)
# is text ftfy returns unchanged, so it is not handed to ftfy at all: same output, a tenth
# of the cost on clean articles.
_FTFY_TRIGGERS = re.compile(
    "[&\x1b\x80-\x9f\ud800-\udfff"
    + "".join(
        re.escape(chr(c))
        for c in sorted({*chardata.LIGATURES, *chardata.WIDTH_MAP, *chardata.CONTROL_CHARS})
    )
    + "]"
)


def fix_with_ftfy(text: str) -> str:
    """``ftfy.fix_text`` with our configuration, skipped where it cannot change anything."""
    if not _FTFY_TRIGGERS.search(text) and (text.isascii() or not is_bad(text)):
        return text
    return ftfy.fix_text(text, _ftfy_config())


@cache
def _ftfy_config() -> ftfy.TextFixerConfig:
    # uncurl_quotes=False: straightening ’ « » would rewrite the author's French typography.
    # Line breaks and NFC are separate steps here so that each is recorded on its own.
    return ftfy.TextFixerConfig(
        uncurl_quotes=False, fix_line_breaks=False, normalization=None, explain=False
    )


def _strip(text: str) -> str:
    return _TRAILING.sub("", text).strip(_BLANKS)


def repair(text: str) -> tuple[str, list[str]]:
    """The repaired text and the names of the steps that changed it, in order."""
    repairs: list[str] = []

    def note(step: str) -> None:
        if step not in repairs:
            repairs.append(step)

    if _NEWLINES.search(text):
        text = _NEWLINES.sub("\n", text)
        note("newlines")
    stripped = _strip(text)
    if stripped != text:
        note("whitespace")
    text = stripped
    # Invisible marks and blank ends go after ftfy, which must see a soft hyphen that is
    # half of a mojibake pair ("Ã\xad" is a mis-decoded "í"); when removing them changes
    # the text, ftfy looks again, since they can also hide a sequence ("\xadÃ©", "\xa0Ã©").
    # That is rare, so the common case pays for one ftfy call.
    # NFC before ftfy as well as after: a decomposed accent can hide a mojibake sequence
    # from ftfy that the composed text shows ("e\u0301\xa0Ã©").
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
        note("nfc")
    for _ in range(_MAX_ROUNDS):
        fixed = fix_with_ftfy(text)
        if fixed != text:
            note("ftfy")
        if not unicodedata.is_normalized("NFC", fixed):
            fixed = unicodedata.normalize("NFC", fixed)
            note("nfc")
        text = _INVISIBLE.sub("", fixed)
        if len(text) != len(fixed):
            note("invisible")
        stripped = _strip(text)
        if stripped != text:
            note("whitespace")
        text = stripped
        if text == fixed:
            break
    return text, repairs
