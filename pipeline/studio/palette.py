"""Label colours chosen for telling labels apart, not hashed from their names.

Hashed hues collided (DATE/CONCEDE 0.8° apart, ORG and LOC the same salmon). Here each
family of labels (entities, time expressions, event triggers, argument spans) draws its
colours from its own hue range, and within the ranges colours are picked greedily, in
taxonomy order, as the candidate farthest (in OKLab) from every colour already taken: the
"farthest point" rule. The same taxonomy always gives the same colours, and any two labels
are as far apart as the ranges allow (a test checks the smallest distance).

Distances are Euclidean in OKLab (Björn Ottosson, 2020), a perceptual space in which that
distance tracks perceived difference well (about 0.02 is a just-noticeable difference).
No colour library is installed in the project's environment, and the conversion is a few
lines of published matrices, so it is written out here.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: OKLCh hue ranges (degrees, start to end going up, may wrap past 360) per label family.
#: Entities blue to violet, times yellow, events red-magenta through orange, arguments green.
HUE_RANGES: dict[str, tuple[float, float]] = {
    "entity": (215.0, 300.0),
    "time": (85.0, 115.0),
    "trigger": (320.0, 420.0),
    "argument": (140.0, 160.0),
}
#: Lightness and chroma steps of the candidate grid: light enough for black text on top.
LIGHTNESS = (0.66, 0.74, 0.82, 0.9)
CHROMA = (0.06, 0.1, 0.14, 0.18)
HUE_STEP = 5.0


def _linear(channel: float) -> float:
    """sRGB transfer function, inverted (gamma-encoded 0..1 to linear light)."""
    return channel / 12.92 if channel <= 0.04045 else math.pow((channel + 0.055) / 1.055, 2.4)


def _encoded(channel: float) -> float:
    """sRGB transfer function (linear light to gamma-encoded 0..1)."""
    if channel <= 0.0031308:
        return 12.92 * channel
    return 1.055 * math.pow(channel, 1 / 2.4) - 0.055


@functools.cache
def hex_to_oklab(colour: str) -> tuple[float, float, float]:
    """``#rrggbb`` to OKLab ``(L, a, b)``."""
    r, g, b = (_linear(int(colour[i : i + 2], 16) / 255) for i in (1, 3, 5))
    lms = (
        0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b,
        0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b,
        0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b,
    )
    l_, m_, s_ = (math.copysign(abs(v) ** (1 / 3), v) for v in lms)
    return (
        0.2104542553 * l_ + 0.7936177850 * m_ - 0.0040720468 * s_,
        1.9779984951 * l_ - 2.4285922050 * m_ + 0.4505937099 * s_,
        0.0259040371 * l_ + 0.7827717662 * m_ - 0.8086757660 * s_,
    )


def oklch_to_hex(lightness: float, chroma: float, hue: float) -> str | None:
    """OKLCh to ``#rrggbb``, or None when the colour is outside the sRGB gamut."""
    a, b = chroma * math.cos(math.radians(hue)), chroma * math.sin(math.radians(hue))
    l_ = (lightness + 0.3963377774 * a + 0.2158037573 * b) ** 3
    m_ = (lightness - 0.1055613458 * a - 0.0638541728 * b) ** 3
    s_ = (lightness - 0.0894841775 * a - 1.2914855480 * b) ** 3
    rgb = (
        4.0767416621 * l_ - 3.3077115913 * m_ + 0.2309699292 * s_,
        -1.2684380046 * l_ + 2.6097574011 * m_ - 0.3413193965 * s_,
        -0.0041960863 * l_ - 0.7034186147 * m_ + 1.7076147010 * s_,
    )
    if any(not -1e-4 <= v <= 1 + 1e-4 for v in rgb):
        return None
    return "#" + "".join(f"{round(_encoded(min(max(v, 0.0), 1.0)) * 255):02x}" for v in rgb)


def distance(first: str, second: str) -> float:
    """Perceptual distance of two ``#rrggbb`` colours (Euclidean in OKLab)."""
    return math.dist(hex_to_oklab(first), hex_to_oklab(second))


def _candidates(family: str) -> list[str]:
    start, end = HUE_RANGES[family]
    steps = int((end - start) // HUE_STEP) + 1
    found = (
        oklch_to_hex(light, chroma, (start + i * HUE_STEP) % 360)
        for i in range(steps)
        for light in LIGHTNESS
        for chroma in CHROMA
    )
    return sorted({c for c in found if c is not None})


@dataclass(frozen=True)
class Palette:
    """Label → colour, and the smallest distance between two of its colours."""

    colours: dict[tuple[str, str], str]

    def of(self, family: str, label: str) -> str:
        return self.colours[(family, label)]

    @property
    def min_distance(self) -> float:
        return min_distance(self.colours.values())


def min_distance(colours: Iterable[str]) -> float:
    """The smallest pairwise perceptual distance in a set of colours."""
    return min(distance(a, b) for a, b in itertools.combinations(list(colours), 2))


def build_palette(families: Sequence[tuple[str, Sequence[str]]]) -> Palette:
    """Colours for ``(family, labels)`` groups, farthest-point in taxonomy order.

    Families are filled round-robin (first label of each family, then the second...), so a
    family appended late does not find every good colour taken.
    """
    pools = {family: _candidates(family) for family, _ in families}
    taken: dict[tuple[str, str], str] = {}
    order = [
        (family, labels[i])
        for i in range(max(len(labels) for _, labels in families))
        for family, labels in families
        if i < len(labels)
    ]
    for family, label in order:
        pool = [c for c in pools[family] if c not in taken.values()]
        if not taken:  # first colour: the most saturated mid-range candidate, deterministically
            best = pool[len(pool) // 2]
        else:
            best = max(pool, key=lambda c: (min(distance(c, t) for t in taken.values()), c))
        taken[(family, label)] = best
    return Palette(taken)
