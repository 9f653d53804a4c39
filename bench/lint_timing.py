"""Time per lint call over a labelled set, beside a baseline that only takes each text's ``len()``."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from bench.lint_dataset import Item


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0–100)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def _summary_us(samples_ns: list[int]) -> dict[str, float]:
    values = sorted(v / 1000 for v in samples_ns)
    return {
        "calls": len(values),
        "mean_us": sum(values) / len(values) if values else float("nan"),
        "p95_us": percentile(values, 95),
        "max_us": values[-1] if values else float("nan"),
    }


def time_lint(items: list[Item], repeat: int, lint: Callable[..., Any]) -> dict[str, Any]:
    """Time per lint call over the set repeated `repeat` times, and the len() baseline."""
    for item in items:  # warm-up: lazy compilation, imports, caches
        lint(item.text, kind=item.kind)
    clock = time.perf_counter_ns
    lint_ns: list[int] = []
    base_ns: list[int] = []
    for _ in range(repeat):
        for item in items:
            t0 = clock()
            len(item.text)
            base_ns.append(clock() - t0)
        for item in items:
            t0 = clock()
            lint(item.text, kind=item.kind)
            lint_ns.append(clock() - t0)
    result = {"repeat": repeat, "lint": _summary_us(lint_ns), "baseline_len": _summary_us(base_ns)}
    result["ratio"] = {
        key: (result["lint"][key] / result["baseline_len"][key] if result["baseline_len"][key] else float("inf"))
        for key in ("mean_us", "p95_us")
    }
    return result


def format_timing(timing: dict[str, Any]) -> str:
    lint_t, base_t, ratio = timing["lint"], timing["baseline_len"], timing["ratio"]
    return "\n".join(
        [
            f"{'timing (' + str(timing['repeat']) + 'x set)':<22}"
            f"{'calls':>8}{'mean µs':>11}{'p95 µs':>11}{'max µs':>11}",
            f"{'lint':<22}{lint_t['calls']:>8}{lint_t['mean_us']:>11.2f}{lint_t['p95_us']:>11.2f}{lint_t['max_us']:>11.2f}",
            f"{'baseline len()':<22}{base_t['calls']:>8}{base_t['mean_us']:>11.3f}{base_t['p95_us']:>11.3f}"
            f"{base_t['max_us']:>11.3f}",
            f"{'ratio lint/baseline':<22}{'':>8}{ratio['mean_us']:>10.0f}x{ratio['p95_us']:>10.0f}x",
        ]
    )
