"""Search over municipalities, software, services and organisations: a results page that
works without JavaScript and an HTML fragment the start page fetches as the visitor types."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from hub import selectors
from knowledge import search as knowledge_search

KINDS = ("municipalities", "software", "services", "organizations", "articles")


def _results(request: HttpRequest, limit: int) -> tuple[str, dict[str, list]]:
    q = request.GET.get("q", "").strip()[:100]
    results = selectors.search_all(user=request.user, q=q, limit=limit)
    # Articles come from the knowledge base's full-text index (hub.selectors searches names);
    # its search_all would also cover the other kinds, but by another ranking than the lists.
    results["articles"] = knowledge_search.search_articles(
        user=request.user, query=q, limit=limit, facets=False).hits \
        if len(q) >= selectors.SEARCH_MIN_LENGTH else []
    only = request.GET.get("art")
    if only in KINDS:
        results = {only: results[only]}
    return q, results


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    q, results = _results(request, limit=20)
    return render(request, "web/search.html", {
        "q": q, "results": results, "total": sum(len(v) for v in results.values()),
        "too_short": 0 < len(q) < selectors.SEARCH_MIN_LENGTH,
    })


@require_GET
def search_live(request: HttpRequest) -> HttpResponse:
    q, results = _results(request, limit=5)
    response = render(request, "web/partials/search_results.html", {
        "q": q, "results": results, "total": sum(len(v) for v in results.values()),
        "too_short": len(q) < selectors.SEARCH_MIN_LENGTH, "live": True,
    })
    response["Cache-Control"] = "private, max-age=60"
    return response
