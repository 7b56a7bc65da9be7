"""Every config's ``from_params`` checks its section the same way: one line, every missing key."""

from __future__ import annotations

import pytest

from pipeline.engine.config import EngineConfig
from pipeline.errors import PipelineError
from pipeline.params import load_params, params_path, require_keys
from pipeline.studio.review_config import ReviewConfig
from pipeline.train.config import TrainConfig


def test_require_keys_names_the_file_section_and_every_missing_key() -> None:
    require_keys({"a": 1, "b": 2}, "x", ["a", "b"])  # all there: nothing raised
    with pytest.raises(PipelineError) as caught:
        require_keys({"a": 1}, "x", ["a", "b", "c"])
    assert str(caught.value) == f"{params_path()}: 'x' lacks b, c"


@pytest.mark.parametrize(
    ("build", "section", "drop"),
    [
        (lambda p: EngineConfig.from_params(p), "engine", ["actors", "batch_size"]),
        (lambda p: ReviewConfig.from_params(p), "review", ["merge"]),
        (lambda p: TrainConfig.from_params(p, load_params("preannotate")), "train", ["epochs"]),
    ],
)
def test_configs_report_missing_keys_in_one_line(build, section: str, drop: list[str]) -> None:
    params = {k: v for k, v in load_params(section).items() if k not in drop}
    with pytest.raises(PipelineError) as caught:
        build(params)
    assert str(caught.value).endswith(f"'{section}' lacks {', '.join(drop)}")
    assert "\n" not in str(caught.value)
