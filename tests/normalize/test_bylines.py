"""Authors of plain-text articles: a byline or ``Auteur :`` line among the header lines
becomes ``author`` (names joined by "; ", the role left out) and leaves the text; prose that
starts with "Par" stays prose, and the real corpora gain no author they do not state."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.io import RawInput
from pipeline.normalize.bylines import byline, split_authors
from pipeline.normalize.core import normalize_item

BODY = (
    "La France a suspendu sa coopération sécuritaire avec le Mali, a annoncé vendredi le "
    "ministère des Affaires étrangères dans un communiqué publié à Paris."
)


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("Par Jean Dupont", "Jean Dupont"),
        ("Par Marie-Claire Le Goff, envoyée spéciale à Bamako", "Marie-Claire Le Goff"),
        ("Par Jean Dupont et Marie Curie (AFP)", "Jean Dupont; Marie Curie"),
        ("PAR Jean-Pierre de la Fontaine", "Jean-Pierre de la Fontaine"),
        ("Par J.-P. Martin, Anne Roux et Ali Ben Salah", "J.-P. Martin; Anne Roux; Ali Ben Salah"),
        ("Par Jean Dupont – Reuters", "Jean Dupont"),
        ("par Nicolas d’Estienne d’Orves", "Nicolas d’Estienne d’Orves"),
        ("Par ailleurs, le gouvernement a démenti.", None),
        ("Par la fenêtre", None),
        ("Par Toutatis !", None),
    ],
)
def test_byline_names(line: str, names: str | None) -> None:
    assert byline(line) == names


def test_author_fields_keep_their_commas() -> None:
    # a metadata author ("Dupont, Jean") is one name; only bylines list names with commas
    assert (
        split_authors("Par Dupont, Jean et Anne Roy; Ali Ben") == "Dupont, Jean; Anne Roy; Ali Ben"
    )


@pytest.mark.parametrize(
    ("head", "author"),
    [
        ("Titre de l'article\nPar Jean Dupont, envoyé spécial à Bamako\n\n", "Jean Dupont"),
        ("Auteur : Marie Curie et Paul Roux\ndate: 2025-09-19\n\n", "Marie Curie; Paul Roux"),
        ("author: Anne Roy\n", "Anne Roy"),
    ],
)
def test_header_bylines_become_the_author(normalize_bytes, head: str, author: str) -> None:
    article = normalize_bytes((head + BODY).encode())
    assert article.author == author
    assert "Par " not in article.text and "uteur" not in article.text
    assert article.text.endswith(BODY)
    assert "header" in article.source.repairs


def test_prose_starting_with_par_is_left_alone(normalize_bytes) -> None:
    text = "Par ailleurs, Paris a démenti.\n\n" + BODY
    article = normalize_bytes(text.encode())
    assert article.text == text and article.author is None


def test_the_real_corpora_gain_no_author(shared_data: Path, seeds_dir: Path, config) -> None:
    paths = [
        *sorted(seeds_dir.glob("*.txt")),
        *sorted((shared_data / "winer-fr-dev").rglob("*.txt")),
    ]
    assert len(paths) > 900
    authors = [
        a.author
        for p in paths
        if (a := normalize_item(RawInput(str(p), data=p.read_bytes()), config)).author
    ]
    assert authors == []
