"""Fit the event confidence table: how often events of each kind were right on gold.

An event's score (see ``pipeline.annotate.events.event_score``) is the precision that events
of its type and trigger part of speech reached on development gold, so it is calibrated by
construction on that gold. Small cells borrow strength from the larger ones: a (type, part
of speech) cell's precision is shrunk towards its part of speech's, and that one towards
the overall precision, each by ``prior_strength`` pseudo-events (a beta prior), so a type
seen twice does not get a score of 0 or 1.

Only documents whose precision is scored (not ``partial``) count, and "right" is what the
scorer calls right: an overlapping gold trigger, of the same type where the gold is typed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from pipeline.evaluate.event_gold import GoldDocument
from pipeline.evaluate.event_scoring import PredictedEvent, match


def outcomes(
    pairs: Iterable[tuple[GoldDocument, Sequence[PredictedEvent]]],
) -> list[tuple[str, bool]]:
    """(confidence key, right) of every predicted event whose precision is scored."""
    out = []
    for doc, pred in pairs:
        if doc.partial:
            continue
        gold = doc.events
        right = {
            pi
            for gi, pi in match(gold, pred, "overlap")
            if gold[gi].type is None or gold[gi].type == pred[pi].type
        }
        out += [(p.key, i in right) for i, p in enumerate(pred) if p.key is not None]
    return out


def fit_confidence(results: Sequence[tuple[str, bool]], prior_strength: float) -> dict[str, float]:
    """The ``key: precision`` table (keys ``TYPE|POS``, ``POS`` and ``*``)."""
    if not results:
        return {}
    seen: Counter[str] = Counter()
    right: Counter[str] = Counter()
    for key, ok in results:
        pos = key.split("|", 1)[1]
        for k in (key, pos, "*"):
            seen[k] += 1
            right[k] += ok
    overall = right["*"] / seen["*"]
    table = {"*": round(overall, 4)}
    for pos in sorted(k for k in seen if "|" not in k and k != "*"):
        table[pos] = round(
            (right[pos] + prior_strength * overall) / (seen[pos] + prior_strength), 4
        )
    for key in sorted(k for k in seen if "|" in k):
        prior = table[key.split("|", 1)[1]]
        table[key] = round((right[key] + prior_strength * prior) / (seen[key] + prior_strength), 4)
    return table
