"""The one interface every pre-annotation component implements.

A component adds its labels to articles flowing through it and leaves everything else as it
is, so a stronger model can replace one component without touching the others or the CLI.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol, runtime_checkable

from pipeline.schema import PreannotatedArticle


@runtime_checkable
class Annotator(Protocol):
    """A named, versioned transformation over a stream of articles.

    ``name`` and ``version`` make up the ``source`` of every label the component emits
    (``f"{name}@{version}"``), which is how annotators and releases know which model said what.
    """

    name: str
    version: str

    def annotate(self, articles: Iterable[PreannotatedArticle]) -> Iterator[PreannotatedArticle]:
        """Yield each article, in order, with this component's labels added."""
        ...


def chain(
    articles: Iterable[PreannotatedArticle], annotators: list[Annotator]
) -> Iterator[PreannotatedArticle]:
    """Run the components one after another, streaming (no component sees the whole corpus)."""
    stream: Iterable[PreannotatedArticle] = articles
    for annotator in annotators:
        stream = annotator.annotate(stream)
    yield from stream
