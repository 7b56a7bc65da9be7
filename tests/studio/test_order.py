"""``studio push --order uncertain``: the ordering function on values, and its streaming reader."""

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


def test_uncertain_source_streams_the_file_in_ranked_order(tmp_path) -> None:
    """The push's reader: ranking from light columns, records streamed a window at a time,
    in the same order as ranking the whole records in memory."""
    import dataclasses

    from pipeline.io import write_records
    from pipeline.schema import PreannotatedArticle
    from pipeline.studio.command import uncertain_source
    from tests.studio.articles import make_article

    lowest = [0.9, 0.2, None, 0.5, 0.2, 0.99, 0.7]
    records = []
    for n, low in enumerate(lowest):
        article = make_article(n)
        entities = [
            dataclasses.replace(e, score=max(e.score or 0.0, 0.95)) for e in article.entities
        ]
        entities[1] = dataclasses.replace(entities[1], score=low)
        story = f"s{n % 3}"
        records.append(dataclasses.replace(article, entities=entities, story_id=story))
    bare = dataclasses.replace(make_article(99), entities=[], story_id="s9")
    records.append(bare)
    path = tmp_path / "pre.parquet"
    write_records(path, records, PreannotatedArticle)

    keys, load = uncertain_source(path, window=2)
    expected = uncertain_first(
        Ranked(r.id, r.story_id, [e.score for e in r.entities]) for r in records
    )
    assert [aid for aid, _ in keys] == expected
    # 1 (0.2, story s1) heads the list; 4 (0.2 too) shares story s1, so 3 (0.5, s0) comes
    # next; the article without entities ends it
    assert expected[:2] == [records[1].id, records[3].id] and expected[-1] == bare.id
    by_id = {r.id: r for r in records}
    assert list(load(set(expected))) == [by_id[i] for i in expected]
    some = {records[0].id, records[5].id, bare.id}
    assert [r.id for r in load(some)] == [i for i in expected if i in some]
