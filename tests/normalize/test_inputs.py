"""Crafted inputs: legacy encodings, damaged bytes, bad files and paths, each container type."""

from __future__ import annotations

import codecs
import json
import os
from pathlib import Path

import pytest

from pipeline.io import read_inputs
from pipeline.normalize.core import normalize_item
from pipeline.schema import Article, QuarantineEntry

TEXT = (
    "Le président a déclaré : « l’été sera chaud », a-t-il ajouté devant les députés réunis "
    "à l’Assemblée. Ça commence bien, dit-on à Besançon, où la grève se poursuit."
)
PLAIN = TEXT.replace("’", "'")  # latin-1 has no curly apostrophe


def test_utf8_text_is_kept_as_is(normalize_bytes) -> None:
    article = normalize_bytes(TEXT.encode())
    assert isinstance(article, Article)
    assert article.text == TEXT
    assert article.source.encoding == "utf-8"
    assert article.source.repairs == []


@pytest.mark.parametrize(
    ("text", "encoding"), [(TEXT, "cp1252"), (PLAIN, "latin-1"), (TEXT, "mac_roman")]
)
def test_legacy_encodings_are_detected(normalize_bytes, text: str, encoding: str) -> None:
    article = normalize_bytes(text.encode(encoding))
    assert article.text == text
    assert article.source.repairs[0].startswith("decoded:")
    assert article.source.encoding != "utf-8"


@pytest.mark.parametrize("bom_codec", ["utf-8-sig", "utf-16", "utf-32"])
def test_byte_order_marks(normalize_bytes, bom_codec: str) -> None:
    article = normalize_bytes(TEXT.encode(bom_codec))
    assert article.text == TEXT
    assert article.source.repairs[0] == "bom"
    assert article.source.encoding == bom_codec.removesuffix("-sig")


def test_crlf_gives_the_same_article_as_lf(normalize_bytes) -> None:
    lf = "Titre de l'article\n\nPremier paragraphe.\nSecond paragraphe.\n"
    crlf = normalize_bytes(lf.replace("\n", "\r\n").encode())
    plain = normalize_bytes(lf.encode())
    assert crlf.text == plain.text == lf.strip()
    assert crlf.id == plain.id
    assert crlf.paragraphs == plain.paragraphs
    assert "newlines" in crlf.source.repairs


def test_truncated_utf8_keeps_the_text_before_the_cut(normalize_bytes) -> None:
    data = (TEXT + " Fin à l’été").encode()[:-1]  # cut inside the final "é"
    article = normalize_bytes(data)
    assert article.text == TEXT + " Fin à l’ét"
    assert article.source.repairs == ["truncated-utf8"]


def test_mojibake_and_invisible_marks_are_repaired(normalize_bytes) -> None:
    damaged = "HÃ´tel de Police\u200b : le barÃ¨me est publiÃ©, l’enquÃªte con\u00adtinue."
    article = normalize_bytes(damaged.encode())
    assert article.text == "Hôtel de Police : le barème est publié, l’enquête continue."
    assert article.source.repairs == ["ftfy", "invisible"]


def test_decomposed_accents_are_composed(normalize_bytes) -> None:
    article = normalize_bytes("L'e\u0301te\u0301 a\u0300 Besanc\u0327on.".encode())
    assert article.text == "L'été à Besançon."
    assert "nfc" in article.source.repairs


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"  \n\t\n", "blank file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary content"),
        (bytes(range(1, 32)) * 20, "binary content"),
        (bytes((i * 37) % 128 + 128 for i in range(400)), "undecodable bytes"),
        (b"\xff\xfe" + b"\x00\xd8", "invalid utf-16"),
    ],
)
def test_bad_bytes_are_quarantined_with_a_reason(normalize_bytes, data: bytes, reason) -> None:
    entry = normalize_bytes(data, "bad/file.txt")
    assert isinstance(entry, QuarantineEntry)
    assert entry.path == "bad/file.txt"
    assert entry.stage == "normalize"
    assert reason in entry.reason


def test_malformed_header_keeps_the_article_without_a_date(normalize_bytes) -> None:
    article = normalize_bytes((" date 2025-02-30 " + TEXT).encode())
    assert article.text == TEXT
    assert article.date is None
    assert "2025-02-30" in article.date_error and "day is out of range" in article.date_error


def test_header_with_time_and_url(normalize_bytes) -> None:
    data = ("date 2025-09-19T08:30:00Z url https://example.org/a " + TEXT).encode()
    article = normalize_bytes(data)
    assert article.text == TEXT
    assert article.date == "2025-09-19T08:30+00:00"
    assert article.source.url == "https://example.org/a"


def test_prose_that_starts_like_a_header_is_left_alone(normalize_bytes) -> None:
    text = "date butoir pour les candidatures : le ministère n'a rien annoncé."
    article = normalize_bytes(text.encode())
    assert article.text == text and article.date is None


def test_jsonl_fields_and_broken_lines(tmp_path: Path, config) -> None:
    good = {
        "text": TEXT,
        "title": "Grève",
        "date": "2024-03-05",
        "url": "https://e.org/1",
        "author": "Anne Roy",
    }
    lines = [
        json.dumps(good, ensure_ascii=False),
        '{"text": "coupé',
        "",
        json.dumps({"title": "sans texte"}),
        json.dumps(
            {"text": TEXT + " Suite.", "date": "5 mars", "source": "Le Quotidien", "author": ["A"]}
        ),
        "[1, 2]",
    ]
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    results = [
        normalize_item(raw, config)
        for raw in read_inputs([path], config.suffixes, config.max_article_bytes)
    ]
    first, broken, no_text, second, not_object = results
    assert (first.title, first.date, first.source.url, first.source.line) == (
        "Grève",
        "2024-03-05",
        "https://e.org/1",
        1,
    )
    assert isinstance(broken, QuarantineEntry) and broken.line == 2
    assert broken.reason.startswith("broken JSON line")
    assert isinstance(no_text, QuarantineEntry) and no_text.line == 4
    assert "no 'text'" in no_text.reason
    assert second.outlet == "Le Quotidien" and second.source.line == 5
    assert first.author == "Anne Roy"
    # an author of the wrong type is left out and said so; the article stays
    assert second.author is None and "ignored-field:author" in second.source.repairs
    assert second.date is None and "'5 mars'" in second.date_error
    assert isinstance(not_object, QuarantineEntry) and not_object.line == 6


def test_html_main_text_title_and_date(normalize_bytes) -> None:
    html = f"""<html><head><title>Grève à Besançon</title>
    <meta property="article:published_time" content="2024-03-05T10:00:00Z"></head>
    <body><nav>Accueil | Politique | Sport</nav><article><h1>Grève à Besançon</h1>
    <p>{TEXT}</p><p>Les syndicats appellent à une nouvelle journée de mobilisation jeudi,
    alors que la direction refuse toute négociation avant la fin du mois.</p></article>
    <footer>© Le Quotidien 2024</footer></body></html>"""
    article = normalize_bytes(html.encode(), "page.html")
    assert isinstance(article, Article)
    assert article.title == "Grève à Besançon"
    assert article.date == "2024-03-05T10:00+00:00"  # the page's own time and zone
    assert TEXT in article.text
    assert "Accueil" not in article.text and "©" not in article.text
    assert article.text[article.headings[0].start : article.headings[0].end] == article.title


def test_html_without_main_text_is_quarantined(normalize_bytes) -> None:
    entry = normalize_bytes(b"<html><head><title>Vide</title></head><body></body></html>", "e.html")
    assert isinstance(entry, QuarantineEntry)
    assert entry.reason == "no article text (template or index page)"


def test_paths_loops_and_oversized_files(tmp_path: Path, config) -> None:
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text(TEXT, encoding="utf-8")
    (root / "sub" / "b.txt").write_text(TEXT + " Bis.", encoding="utf-8")
    (root / "notes.md").write_text("ignored: not an article type", encoding="utf-8")
    (root / "sub" / "loop").symlink_to(root)  # a folder loop
    (root / "self.txt").symlink_to(root / "self.txt")  # a link to itself
    (root / "dangling.txt").symlink_to(root / "gone.txt")
    (root / "huge.txt").write_bytes(b"x" * (20 * 1024 * 1024))  # a 20 MB single line
    (root / "huge.jsonl").write_bytes(b'{"text": "' + b"y" * (20 * 1024 * 1024) + b'"}\n')
    missing = tmp_path / "missing"
    items = list(read_inputs([root, missing], config.suffixes, config.max_article_bytes))
    got = {(Path(i.path).relative_to(tmp_path).as_posix(), i.line): i for i in items}
    assert sorted(got) == [
        ("in/a.txt", None),
        ("in/dangling.txt", None),
        ("in/huge.jsonl", 1),
        ("in/huge.txt", None),
        ("in/self.txt", None),
        ("in/sub/b.txt", None),
        ("in/sub/loop", None),
        ("missing", None),
    ]
    assert got[("in/a.txt", None)].data == TEXT.encode()
    assert "symlink loop" in got[("in/sub/loop", None)].error
    assert "Too many levels of symbolic links" in got[("in/self.txt", None)].error
    assert "No such file" in got[("in/dangling.txt", None)].error
    assert "No such file" in got[("missing", None)].error
    assert got[("in/huge.txt", None)].error.startswith("too large (20,971,520 bytes")
    assert got[("in/huge.jsonl", 1)].error.startswith("line too large")
    entries = [normalize_item(i, config) for i in items]
    assert sum(isinstance(e, Article) for e in entries) == 2
    for entry in entries:
        if isinstance(entry, QuarantineEntry):
            assert entry.path and entry.reason and "\n" not in entry.reason


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file whatever its mode")
def test_unreadable_file(tmp_path: Path, config) -> None:
    path = tmp_path / "secret.txt"
    path.write_text(TEXT, encoding="utf-8")
    path.chmod(0)
    (item,) = read_inputs([path], config.suffixes, config.max_article_bytes)
    assert "Permission denied" in item.error


def test_unsupported_file_named_explicitly(tmp_path: Path, config) -> None:
    path = tmp_path / "doc.pdf"
    path.write_bytes(codecs.BOM_UTF8 + b"%PDF")
    (item,) = read_inputs([path], config.suffixes, config.max_article_bytes)
    assert item.error.startswith("unsupported file type '.pdf'")
