"""Bytes to text: BOM, strict UTF-8, then legacy-encoding detection.

UTF-8 is tried first and strictly because a legacy decoder accepts almost any bytes and
would turn valid UTF-8 into mojibake; only bytes that are not UTF-8 go to
charset-normalizer. Inputs that are not text at all fail here with a reason.

Text or binary is decided by proportion, as file-type sniffers do: a few NULs or control
bytes in otherwise good text (a copy glitch, a bad scraper) are removed and the repair is
recorded (``control-chars``); above ``MAX_CONTROL_SHARE`` of the characters, it is binary.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer

# Longest first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# C0 controls other than tab, line feed, form feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# The ones removed from text: a vertical tab is a line break, which repair turns into one,
# and ESC starts a terminal escape sequence, which ftfy removes whole in repair.
_REMOVED_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")
_CONTROL_BYTES = bytes([*range(0x09), 0x0B, *range(0x0E, 0x20), 0x7F])
_FRENCH_LETTERS = frozenset("àâäçéèêëîïôöùûüÿœæÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ«»’€")
#: Share of control characters above which decoded "text" is taken to be binary data.
MAX_CONTROL_SHARE = 0.01


class DecodeError(ValueError):
    """The bytes are not text in any encoding we accept; the message is the reason."""


@dataclass(frozen=True)
class Decoded:
    """Text with the encoding it was read in and the repairs decoding needed."""

    text: str
    encoding: str
    repairs: tuple[str, ...] = ()


def decode(data: bytes) -> Decoded:
    """Decode raw bytes, or raise ``DecodeError`` saying why they are not text."""
    if not data.strip():
        raise DecodeError("empty file" if not data else "blank file (whitespace only)")
    decoded = _decode(data)
    text = decoded.text
    if text and len(_CONTROL.findall(text)) > MAX_CONTROL_SHARE * len(text):
        raise DecodeError("binary content (control characters), not text")
    if not _REMOVED_CONTROL.search(text):
        return decoded
    cleaned = _REMOVED_CONTROL.sub("", text)
    return Decoded(cleaned, decoded.encoding, (*decoded.repairs, "control-chars"))


def _decode(data: bytes) -> Decoded:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as exc:
                reason = f"invalid {codec} after its byte-order mark ({exc.reason})"
                raise DecodeError(reason) from exc
            return Decoded(text.lstrip("\ufeff"), codec.removesuffix("-sig"), ("bom",))
    if b"\x00" in data:
        utf16 = _utf16_without_bom(data)
        if utf16 is not None:
            return utf16
    # In UTF-8 and in the legacy code pages alike a control character is one byte of its own
    # value, so the share is known before any decoding (and binary never reaches the slow
    # legacy-encoding detection).
    if len(data) - len(data.translate(None, _CONTROL_BYTES)) > MAX_CONTROL_SHARE * len(data):
        raise DecodeError("binary content (control characters), not text")
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.start >= len(data) - 3:
            # A file cut in the middle of its last character: keep everything before it.
            return Decoded(data[: exc.start].decode("utf-8"), "utf-8", ("truncated-utf8",))
    mixed = _mixed_lines(data)
    if mixed is not None:
        return mixed
    matches = list(charset_normalizer.from_bytes(data))
    if not matches:
        raise DecodeError("undecodable bytes (not UTF-8, no legacy encoding fits)")
    best = _break_tie(matches)
    return Decoded(str(best), best.encoding, (f"decoded:{best.encoding}",))


def _utf16_without_bom(data: bytes) -> Decoded | None:
    """UTF-16 text saved without a byte-order mark: Latin-script text then has a NUL in every
    other byte (the high byte of each code unit), on one side only. Binary data has NULs
    anywhere, so it fails this test or the strict decode and stays "binary"."""
    if len(data) % 2:
        return None
    half = len(data) // 2
    for codec, high, low in (
        ("utf-16-le", data[1::2], data[0::2]),
        ("utf-16-be", data[0::2], data[1::2]),
    ):
        if high.count(0) >= 0.6 * half and low.count(0) == 0:
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                return None
            if len(_CONTROL.findall(text)) <= MAX_CONTROL_SHARE * len(text):
                return Decoded(text, codec, ("utf16-no-bom",))
    return None


def _mixed_lines(data: bytes) -> Decoded | None:
    """A file whose lines are in two encodings (UTF-8 with a legacy code page, as when two
    sources were concatenated): reading it whole in one legacy code page would turn every
    UTF-8 letter into mojibake, so each line keeps UTF-8 where it is valid UTF-8 and the
    other lines are read in the code page detected on them alone."""
    lines = data.splitlines(keepends=True)
    legacy: set[int] = set()
    utf8_letters = False
    for i, line in enumerate(lines):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            legacy.add(i)
            continue
        utf8_letters = utf8_letters or not line.isascii()
    if not utf8_letters or not legacy:
        return None
    matches = list(charset_normalizer.from_bytes(b"".join(lines[i] for i in sorted(legacy))))
    if not matches:
        return None
    codec = _break_tie(matches).encoding
    try:
        text = "".join(
            line.decode(codec if i in legacy else "utf-8") for i, line in enumerate(lines)
        )
    except (UnicodeDecodeError, LookupError):
        return None
    return Decoded(text, f"utf-8+{codec}", ("mixed-encodings", f"decoded:{codec}"))


def _break_tie(matches: list[charset_normalizer.CharsetMatch]) -> charset_normalizer.CharsetMatch:
    """charset-normalizer often ranks several code pages equal (cp1250, cp1252, cp1257 all
    read plain French without "chaos"), yet they disagree on letters: cp1250 reads ``à`` as
    ``ŕ``. Among the candidates tied with the best one, take the one whose text has the most
    French letters; a real tie keeps charset-normalizer's order."""
    top = matches[0]
    tied = [
        m
        for m in matches
        if m.chaos == top.chaos and round(m.coherence, 2) == round(top.coherence, 2)
    ]
    return max(tied, key=lambda m: sum(1 for ch in str(m) if ch in _FRENCH_LETTERS))
