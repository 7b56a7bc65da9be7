"""The normalize stage's settings, read once from the ``normalize`` section of params.yaml."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from lxml.etree import XPath, XPathError

from pipeline.errors import PipelineError
from pipeline.minhash import MinhashConfig
from pipeline.params import load_params, require_keys


@dataclass(frozen=True)
class NormalizeConfig:
    """Every threshold the stage uses; the core receives this object and never reads files."""

    suffixes: tuple[str, ...]
    max_article_bytes: int
    title_max_words: int
    heading_max_words: int
    dateline_max_paragraphs: int
    header_max_lines: int
    html_prune_xpaths: tuple[str, ...]
    html_read_also: tuple[str, ...]
    html_min_article_words: int
    html_fallback_below_chars: int
    languages: tuple[str, ...]
    min_language_score: float
    language_sample_chars: int
    seed: int
    shingle_size: int
    num_perm: int
    near_duplicate_threshold: float
    story_num_perm: int
    story_min_token_chars: int
    story_stem_chars: int
    story_threshold: float
    story_window_days: int
    row_group_size: int

    @property
    def minhash(self) -> MinhashConfig:
        """The near-duplicate signature settings, shared with the release."""
        return MinhashConfig(self.seed, self.shingle_size, self.num_perm)

    @classmethod
    def from_params(cls, params: dict[str, Any] | None = None) -> NormalizeConfig:
        """Build from a params section (default: params.yaml's ``normalize``), checking keys."""
        params = load_params("normalize") if params is None else params
        names = [f.name for f in dataclasses.fields(cls)]
        require_keys(params, "normalize", names)
        values: dict[str, Any] = {
            n: tuple(params[n]) if isinstance(params[n], list) else params[n] for n in names
        }
        config = cls(**values)
        for name in ("near_duplicate_threshold", "story_threshold", "min_language_score"):
            if not 0.0 <= getattr(config, name) <= 1.0:
                raise PipelineError(f"params.yaml normalize: {name} must be within [0, 1]")
        for xpath in config.html_prune_xpaths:
            try:
                XPath(xpath)
            except XPathError as exc:
                raise PipelineError(
                    f"params.yaml normalize.html_prune_xpaths: {xpath!r} ({exc})"
                ) from exc
        return config
