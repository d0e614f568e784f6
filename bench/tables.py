"""Plain-text tables and latency statistics shared by the benchmarks."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)

    def add(self, *cells) -> None:
        self.rows.append(list(cells))

    def render(self) -> str:
        cells = [self.columns] + [[_fmt(c) for c in row] for row in self.rows]
        widths = [max(len(str(r[i])) for r in cells) for i in range(len(self.columns))]
        line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True))  # noqa: E731
        out = [self.title, line(self.columns), "  ".join("-" * w for w in widths)]
        out += [line(r) for r in cells[1:]]
        return "\n".join(out) + "\n"


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile; samples in any unit."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def p50_p95(samples_ms: list[float]) -> tuple[float, float]:
    return statistics.median(samples_ms), percentile(samples_ms, 95)
