"""Read token-per-line NER gold (CoNLL style: ``token TAG``, BIO or IO tags) as documents.

The text is rebuilt by joining the tokens of a document with single spaces (the way such
corpora are usually detokenised for a model), so every gold span has exact character
offsets in it. A blank line or a ``-DOCSTART-`` line ends a document; a corpus with neither
(the Europeana newspapers file is one stream of 206k tokens) is cut into documents of about
``max_tokens`` tokens, after a sentence-final token, so the model sees paragraph-sized
inputs. IO tags (``I-PER`` on every token of a name) join adjacent same-type tokens into one
name, which is all an IO corpus can say; ``B-`` always starts a new name.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.evaluate.brat import BratDocument, BratError

SUFFIXES = (".bio", ".conll", ".iob")
_SENTENCE_END = frozenset({".", "!", "?"})


def _document(name: str, rows: list[tuple[str, str]], label_map: Mapping[str, str]) -> BratDocument:
    text_parts: list[str] = []
    spans: list[tuple[int, int, str]] = []
    offset = 0
    current: list[int] | None = None  # [start, end] of the open name
    current_type = ""
    for token, tag in rows:
        start = offset
        text_parts.append(token)
        offset += len(token) + 1
        prefix, _, kind = tag.partition("-")
        if tag != "O" and prefix in ("B", "I") and kind:
            if current is not None and prefix == "I" and kind == current_type:
                current[1] = start + len(token)
                continue
            if current is not None and current_type in label_map:
                spans.append((current[0], current[1], label_map[current_type]))
            current, current_type = [start, start + len(token)], kind
        else:
            if current is not None and current_type in label_map:
                spans.append((current[0], current[1], label_map[current_type]))
            current = None
    if current is not None and current_type in label_map:
        spans.append((current[0], current[1], label_map[current_type]))
    return BratDocument(name=name, text=" ".join(text_parts), spans=sorted(set(spans)))


def parse_bio(path: Path, label_map: Mapping[str, str], max_tokens: int) -> Iterator[BratDocument]:
    """The documents of one file; a line that is not ``token TAG`` makes the file unusable."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise BratError(f"{path}: not UTF-8 ({exc.reason})") from exc
    except OSError as exc:
        raise BratError(f"{path}: cannot read ({exc.strerror})") from exc
    rows: list[tuple[str, str]] = []
    number = 0

    def flush() -> Iterator[BratDocument]:
        nonlocal number
        if rows:
            yield _document(f"{path}#{number}", rows, label_map)
            number += 1
            rows.clear()

    for line_number, line in enumerate(lines, start=1):
        fields = line.split()
        if not fields or fields[0] == "-DOCSTART-":
            yield from flush()
            continue
        if len(fields) < 2:
            raise BratError(f"{path}:{line_number}: expected 'token TAG'")
        token, tag = fields[0], fields[-1]
        if tag != "O" and tag[:2] not in ("B-", "I-"):
            raise BratError(f"{path}:{line_number}: tag '{tag}' is neither O, B-X nor I-X")
        rows.append((token, tag))
        if len(rows) >= max_tokens and token in _SENTENCE_END:
            yield from flush()
    yield from flush()


def iter_bio(
    path: Path, label_map: Mapping[str, str], errors: list[str], max_tokens: int
) -> Iterator[BratDocument]:
    """Every document of a BIO file, or of every such file under a folder (path order)."""
    if path.is_file():
        files = [path]
    elif path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES)
    else:
        raise PipelineError(f"{path}: not a file or folder")
    if not files:
        raise PipelineError(f"{path}: no {'/'.join(SUFFIXES)} files")
    for file in files:
        try:
            yield from list(parse_bio(file, label_map, max_tokens))
        except BratError as exc:
            errors.append(str(exc))
