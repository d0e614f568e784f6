"""The comparison for `make bench`: a plain Django view returning the same JSON as the
GraphQL portfolio query, through the same ORM prefetching and visibility rule but without
GraphQL (no parsing, validation, limits or resolver machinery). The throughput ratio between
the two is the API layer's overhead."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpRequest, JsonResponse
from django.urls import include, path

from bench.api_queries import PORTFOLIO_QUERY  # noqa: F401  (the query this view mirrors)
from hub import selectors
from hub.models import Municipality, Usage


def portfolios(request: HttpRequest) -> JsonResponse:
    """Same data as PORTFOLIO_QUERY for ?state=…"""
    places = Municipality.objects.filter(state__code=request.GET["state"])
    # The same columns the GraphQL planner loads (api.optimize.restrict), so the comparison
    # is of the API layer, not of how many columns each side reads.
    usages = (Usage.objects.filter(selectors.usage_visibility_q(request.user))
              .select_related("software__vendor")
              .only("status", "since", "municipality", "software__slug", "software__name",
                    "software__vendor__name"))
    page = (places.only("ags", "name")
            .prefetch_related(Prefetch("usages", queryset=usages, to_attr="visible"))[:100])
    return JsonResponse({"data": {"municipalities": {
        "totalCount": places.count(),
        "edges": [{"node": {"ags": m.ags, "name": m.name, "usages": {"edges": [
            {"node": {"status": u.status.upper(),
                      "since": u.since.isoformat() if u.since else None,
                      "software": {"slug": u.software.slug, "name": u.software.name,
                                   "vendor": {"name": u.software.vendor.name}
                                   if u.software.vendor else None}}}
            for u in m.visible]}}} for m in page]}}})


urlpatterns = [
    path("plain/portfolios", portfolios),
    path("", include("hub.urls")),
]
