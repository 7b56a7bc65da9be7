"""Language identification with py3langid (fast, offline, 97 languages).

The score is py3langid's normalized probability of the winning language. Only the first
``sample_chars`` characters are classified: the language of a news article is settled by
its first paragraphs, and the classifier's cost grows with the text.
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str, sample_chars: int) -> tuple[str, float]:
    """ISO 639-1 code and normalized probability of the text's language."""
    language, score = _identifier().classify(text[:sample_chars])
    return str(language), round(float(score), 4)
