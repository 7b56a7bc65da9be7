"""Exports keep the release's offsets: DocBin entities equal the release's, BIO is right."""

from __future__ import annotations

import itertools

from pipeline.release.export import export
from pipeline.release.reader import iter_rows


def test_spacy_docbin_entities_equal_the_release(base_release, tmp_path) -> None:
    import spacy
    from spacy.tokens import DocBin

    stats = export(base_release.folder, "spacy", tmp_path)
    rows = {row["id"]: row for _, row in iter_rows(base_release.folder)}
    nlp = spacy.blank("fr")
    docs = []
    for path in stats.files:
        docs += list(DocBin().from_disk(path).get_docs(nlp.vocab))
    assert len(docs) == len(rows) == sum(stats.records.values())
    for doc in docs:
        row = rows[doc.user_data["id"]]
        assert doc.text == row["text"]
        got = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
        want = sorted((e["start"], e["end"], e["label"]) for e in row["entities"])
        if row["id"] == "a012":  # the misaligned span is reported, not shifted
            want = [w for w in want if doc.char_span(w[0], w[1]) is not None]
            assert len(want) == len(row["entities"]) - 1
        assert got == want
        assert [(s.start_char, s.end_char, s.label_) for s in doc.spans["times"]] == [
            (t["start"], t["end"], t["label"]) for t in row["times"]
        ]
    assert sum(stats.misaligned.values()) == 1
    assert any("a012" in example and "misaligned" in example for example in stats.examples)


def test_conll_is_bio_with_documents(base_release, tmp_path) -> None:
    stats = export(base_release.folder, "conll", tmp_path)
    text = "\n".join(p.read_text(encoding="utf-8") for p in stats.files)
    assert text.count("-DOCSTART-") == sum(stats.records.values())
    lines = [line.split("\t") for line in text.splitlines() if line]
    tags = {tag for _, tag in lines}
    assert {"B-PER", "I-PER", "B-LOC", "O"} <= tags
    for (_, prev), (_, tag) in itertools.pairwise(lines):
        if tag.startswith("I-"):
            assert prev[2:] == tag[2:] and prev[0] in "BI"
    assert ["Curie", "I-PER"] in lines and ["Marie", "B-PER"] in lines


def test_jsonl_has_label_names(base_release, tmp_path, run_cli) -> None:
    import json

    code, _out, _ = run_cli(
        "release",
        "export",
        "1.0.0",
        "--format",
        "jsonl",
        "--out-dir",
        tmp_path,
        "--releases-dir",
        base_release.releases,
    )
    assert code == 0
    rows = [json.loads(line) for p in tmp_path.glob("*.jsonl") for line in p.open()]
    assert len(rows) == 59
    assert {e["label"] for r in rows for e in r["entities"]} == {"PER", "LOC"}
    code, _, err = run_cli(
        "release", "export", "1.0.0", "--format", "xml", "--releases-dir", base_release.releases
    )
    assert code == 1 and "unknown export format 'xml'" in err
