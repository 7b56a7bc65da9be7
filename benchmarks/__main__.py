"""Run every ``benchmarks/bench_*.py`` (or those named on the command line) in turn.

Each benchmark measures a baseline in the same run and prints ratios against it, because
these machines are shared and absolute figures drift by 10-20 %.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = argv or sorted(p.stem for p in here.glob("bench_*.py"))
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"\n=== {name} ===", flush=True)
        module.main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
