"""The time-expression component: DATE and TIME spans with TimeML values.

The French lexicon lives in ``timex_patterns``, candidate selection and value resolution in
``timex_rules``, calendar arithmetic and TimeML value strings in ``timex_calendar``; this
module wraps them in the ``Annotator`` interface: ids, provenance, parameters.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import xxhash

from pipeline.annotate.timex_rules import find_timexes
from pipeline.errors import PipelineError
from pipeline.schema import PreannotatedArticle, TimeExpression

#: Bumped whenever a rule changes what the component outputs.
RULES_VERSION = "1.0.0"

REQUIRED_PARAMS = ("name", "dateparser_settings", "tense_cue_window")


def timex_id(article_id: str, start: int, end: int, label: str) -> str:
    """Content-derived id, stable across runs and unique within the article."""
    return "t-" + xxhash.xxh64_hexdigest(f"{article_id}\x1f{start}\x1f{end}\x1f{label}".encode())


class TimeAnnotator:
    """Adds ``TimeExpression`` records to each article's ``times``.

    ``version`` is the rules version plus a short fingerprint of the parameters
    (``1.0.0.3fa2c1d9``), so a changed dateparser setting shows in every label's ``source``;
    no ``+`` in it, since the chain's ``model_version`` joins components with ``+``.
    ``score`` stays None: the rules give no probability, and a made-up confidence would
    mislead annotators.
    """

    def __init__(self, params: Mapping[str, Any]) -> None:
        """``params``: the ``preannotate.times`` block, read at the command boundary
        (``registry.load_time_annotator``); the annotator never opens params.yaml."""
        params = dict(params)
        missing = [key for key in REQUIRED_PARAMS if key not in params]
        if missing:
            raise PipelineError(f"preannotate.times: missing parameter(s) {', '.join(missing)}")
        self.name: str = str(params["name"])
        self.dateparser_settings: dict[str, Any] = dict(params["dateparser_settings"])
        self.cue_window = int(params["tense_cue_window"])
        fingerprint = xxhash.xxh64_hexdigest(json.dumps(params, sort_keys=True).encode())[:8]
        self.version: str = f"{RULES_VERSION}.{fingerprint}"

    @property
    def source(self) -> str:
        """The provenance string every label carries."""
        return f"dates:{self.name}@{self.version}"

    def times_for(self, article_id: str, text: str, date: str | None) -> list[TimeExpression]:
        """The time expressions of one text, resolved against ``date`` (None: unresolved)."""
        source = self.source
        return [
            TimeExpression(
                id=timex_id(article_id, t.start, t.end, t.label),
                start=t.start,
                end=t.end,
                label=t.label,
                text=text[t.start : t.end],
                value=t.value,
                source=source,
                score=None,
            )
            for t in find_timexes(
                text,
                date,
                dateparser_settings=self.dateparser_settings,
                cue_window=self.cue_window,
            )
        ]

    def annotate(self, articles: Iterable[PreannotatedArticle]) -> Iterator[PreannotatedArticle]:
        """Yield each article with its time expressions added (streaming, order kept)."""
        for article in articles:
            found = self.times_for(article.id, article.text, article.date)
            yield dataclasses.replace(article, times=[*article.times, *found])
