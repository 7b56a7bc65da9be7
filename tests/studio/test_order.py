"""``studio push --order uncertain``: the ordering function on values."""

from __future__ import annotations

from pipeline.studio.order import Ranked, uncertain_first, uncertainty


def test_uncertainty_is_one_minus_the_lowest_score() -> None:
    assert uncertainty([0.9, 0.3, None, 0.99]) == 1.0 - 0.3
    assert uncertainty([None, None]) is None
    assert uncertainty([]) is None


def test_least_confident_first_one_per_story_then_the_rest() -> None:
    articles = [
        Ranked("a", "s1", [0.9, 0.2]),  # 0.8 uncertain
        Ranked("b", "s1", [0.1]),  # 0.9: the most uncertain, story s1
        Ranked("c", "s2", [0.5]),  # 0.5
        Ranked("d", None, [0.95]),  # 0.05, a story of its own
        Ranked("e", None, []),  # nothing to rank by: last
        Ranked("f", "s2", [0.5, None]),  # ties with c: id decides
        Ranked("g", "s3", [None]),  # unscored: last, input order
    ]
    # head: b (s1), c (s2), d; then the stories' others in the same order: a, f
    assert uncertain_first(articles) == ["b", "c", "d", "a", "f", "e", "g"]
    assert uncertain_first(reversed(articles)) == ["b", "c", "d", "a", "f", "g", "e"]
