"""Graph discovery and knowledge links for the municipality and software pages.

The graph is a projection that may be down (the hub keeps working while it is): every read
here degrades to `graph_unavailable` and the page shows a short notice instead of failing.
Visibility is decided by graph.selectors and knowledge.selectors, not here."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from graph import selectors as graph_selectors
from graph.client import GraphUnavailable
from hub import permissions
from hub.models import Municipality, Software
from hub.permissions import User
from knowledge import selectors as knowledge_selectors
from web import caching

logger = logging.getLogger(__name__)

SIMILAR_COUNT = 8
RECOMMENDATION_COUNT = 8
USED_WITH_COUNT = 8
ARTICLE_COUNT = 10
# Lifetime of cached graph reads: bounds how long a read taken while the projection was
# still catching up with a write can be shown.
GRAPH_CACHE_SECONDS = 300


def _timestamp(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def _articles(user: User, **link: Any) -> list:
    """Readable articles linked to or mentioning the entity, newest first: one query with the
    visibility rule of knowledge.selectors.article_list (articles_for_entity needs three)."""
    ((name, entity),) = link.items()
    field = {"municipality": "municipalities", "software": "software"}[name]
    qs: QuerySet = (knowledge_selectors.article_list(user=user).prefetch_related(None)
                    .filter(Q(**{field: entity}) | Q(**{f"mentions__{name}": entity}))
                    .order_by("-updated_at"))
    return list(qs[:ARTICLE_COUNT])


def municipality_context(*, user: User, municipality: Municipality) -> dict[str, Any]:
    """"Ähnliche Kommunen", "Empfohlene Lösungen" and the articles linking the municipality."""
    context: dict[str, Any] = {
        "municipality_articles": _articles(user, municipality=municipality)}
    try:
        context.update({
            "similar": graph_selectors.municipality_similar(
                user=user, municipality=municipality, first=SIMILAR_COUNT),
            "similar_computed_at": _timestamp(graph_selectors.municipality_similarity_computed_at(
                municipality=municipality)),
            "recommendations": graph_selectors.municipality_recommendations(
                user=user, municipality=municipality, first=RECOMMENDATION_COUNT),
            "graph_unavailable": False,
        })
    except GraphUnavailable as exc:
        logger.warning("discovery for %s skipped: %s", municipality.ags, exc)
        context.update({"similar": [], "recommendations": [], "graph_unavailable": True})
    return context


# What the software page shows of the graph reads, as plain values: cached model instances
# (every municipality of hundreds of migration paths) cost more to unpickle than to render.

@dataclass(frozen=True)
class Product:
    slug: str
    name: str


@dataclass(frozen=True)
class Place:
    display_name: str


@dataclass(frozen=True)
class UsedWithRow:
    software: Product
    together: int


@dataclass(frozen=True)
class Move:
    software: Product
    count: int
    municipalities: list[Place]


MOVE_NAMES = 5  # municipalities named per migration path


def _product(software: Software) -> Product:
    return Product(software.slug, software.name)


def _moves(migrations: list) -> list[Move]:
    return [Move(_product(m.software), m.count,
                 [Place(p.display_name) for p in m.municipalities[:MOVE_NAMES]])
            for m in migrations]


def software_context(*, user: User, software: Software, stamp: str | None = None) -> dict[str, Any]:
    """"Wird oft zusammen genutzt mit", migration paths and the linked best practices.

    Co-occurrence expands every user of the product and everything they run (300,000 paths
    for a product of 7,000 municipalities, a third of a second), so with the data `stamp` of
    web.caching the graph part is cached per product, visibility and data version."""
    context: dict[str, Any] = {
        "best_practices": _articles(user, software=software)}
    members = permissions.is_member(user)

    def graph_part() -> dict[str, Any]:
        try:
            return {
                "used_with": [UsedWithRow(_product(r.software), r.together) for r in
                              graph_selectors.software_used_with(
                                  user=user, software=software, first=USED_WITH_COUNT)],
                "replaced_by": _moves(graph_selectors.software_replaced_by(
                    user=user, software=software)),
                "replaces": _moves(graph_selectors.software_replaces(
                    user=user, software=software)),
                "graph_unavailable": False,
            }
        except GraphUnavailable as exc:
            logger.warning("discovery for %s skipped: %s", software.slug, exc)
            return {"used_with": [], "replaced_by": [], "replaces": [], "graph_unavailable": True}

    if stamp is None:
        context.update(graph_part())
    else:
        context.update(caching.cached(
            f"web:software-graph:{software.pk}:{members}:{stamp}", GRAPH_CACHE_SECONDS,
            graph_part, keep=lambda value: not value["graph_unavailable"]))
    return context


def latest_articles(*, user: User, first: int = 5) -> list:
    """The newest published articles for the start page (cheap: one indexed query)."""
    return list(knowledge_selectors.article_list(user=user, filters={"status": "published"})
                .prefetch_related(None).order_by("-published_at")[:first])
