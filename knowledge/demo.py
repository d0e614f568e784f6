"""Demo content of the knowledge base: fictional German best-practice articles linked to the
demo municipalities (Kreis Mettmann and its towns, Mülheim an der Ruhr), software, services
and collaborations, so search and the UI have something to show.

The articles are Markdown files with YAML front matter in `demo_articles/` (the import
format), each flagged `demo: true` and marked in its text as fictional. Loading goes through
the importer, so it is idempotent: a second run changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from knowledge import exchange

DEMO_DIR = Path(__file__).resolve().parent / "demo_articles"


@dataclass
class ArticleCounts:
    articles: int
    created: int
    updated: int
    skipped_references: int


class DemoContentError(RuntimeError):
    pass


def load_demo_articles() -> ArticleCounts:
    """Import the demo articles; references the hub does not have (yet) are skipped."""
    report = exchange.import_articles(DEMO_DIR)
    failed = [f for f in report.files if f.status == exchange.FAILED]
    if failed:  # our own files: a failure is a bug, not bad input
        raise DemoContentError("; ".join(f"{f.path}: {' '.join(f.messages)}" for f in failed))
    return ArticleCounts(articles=len(report.files), created=report.count(exchange.CREATED),
                         updated=report.count(exchange.UPDATED),
                         skipped_references=sum(len(f.messages) for f in report.files))
