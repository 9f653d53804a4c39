#!/usr/bin/env python
"""The long run of the parsing property tests (issue 15, "Also": ≥ 10 minutes each): every test of
tests/hardening/test_parsing_properties.py is run again and again with its "long" profile (20,000 examples a run,
fresh random examples each run) until its time is up, and the examples it went through are counted. A failing
example stops that test and is printed (Hypothesis shrinks it first); exit 1 when any test failed.

    python tools/fuzz_long.py                     # 10 minutes per test
    python tools/fuzz_long.py --minutes 1 --only metric
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["HYPOTHESIS_PROFILE"] = "long"

from tests.hardening import test_parsing_properties as properties  # noqa: E402


def property_tests(only: str) -> list[tuple[str, object]]:
    return [
        (name, test)
        for name, test in vars(properties).items()
        if name.startswith("test_") and hasattr(test, "hypothesis") and only in name
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="per test (default 10)")
    parser.add_argument("--only", default="", help="only the tests whose name holds this")
    args = parser.parse_args()
    failed = 0
    for name, test in property_tests(args.only):
        runs, started = 0, time.monotonic()
        try:
            while time.monotonic() - started < args.minutes * 60:
                test()
                runs += 1
            status = "ok"
        except Exception:  # a property broken: shrunk by Hypothesis, printed here
            failed += 1
            status = "FAILED\n" + traceback.format_exc()
        minutes = (time.monotonic() - started) / 60
        print(f"{name}: {runs * properties.PROFILE.max_examples} examples in {minutes:.1f} min — {status}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
