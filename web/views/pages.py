"""Public pages: start page, lists and the pages of municipalities, software, services,
organisations and collaborations. Reads only, through hub.selectors; what a visitor may see
(members-only usages, contacts) is decided there, not here."""

from __future__ import annotations

from collections import Counter

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from hub import permissions, selectors
from hub.models import (
    ACTIVE_STATUSES,
    Municipality,
    MunicipalityKind,
    Service,
    SoftwareCategory,
    State,
    Themenfeld,
    Usage,
    UsageStatus,
)
from web import caching, germany, neighbourhood
from web.views import discovery

PAGE_SIZE = 50
# Above this many usages the software page shows a summary per Land and the rows of one Land.
FULL_TABLE_LIMIT = 300
# Above this many dots the map draws them as one path per status (no names on hover), which
# keeps the page small for products used by thousands of municipalities.
MAP_DOT_LIMIT = 400
HOME_CACHE_SECONDS = 3600
# The software page's counts and map, per product, viewer kind and data version.
SOFTWARE_CACHE_SECONDS = 3600
# Rows per page of the 'who uses it' table inside a Land of a much used product (as in the
# other lists: rendering the rows is most of the page's time).
ROWS_PER_PAGE = 50
STATUS_ORDER = [UsageStatus.PRODUCTION, UsageStatus.PILOT, UsageStatus.PLANNED,
                UsageStatus.EVALUATING, UsageStatus.RETIRED]


def _page(request: HttpRequest, queryset, size: int = PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get("seite"))


def _status_rows(counts: dict[str, int]) -> list[dict]:
    total = sum(counts.values()) or 1
    return [{"status": s, "label": UsageStatus(s).label, "count": counts.get(s, 0),
             "percent": round(100 * counts.get(s, 0) / total)} for s in STATUS_ORDER]


def home(request: HttpRequest) -> HttpResponse:
    """The counts and the top products aggregate every usage in the country (a second at
    Germany scale), so they are cached per visibility and per data version."""
    key = f"web:home:{caching.visibility_key(request.user)}:{caching.data_stamp()}"
    data = caching.cached(key, HOME_CACHE_SECONDS, lambda: {
        "counts": selectors.hub_counts(),
        "top": selectors.software_top_by_category(user=request.user),
        # Article writes do not change the hub's data version: a newly published
        # article appears after the next hub write or within HOME_CACHE_SECONDS.
        "latest_articles": discovery.latest_articles(user=request.user)})
    return render(request, "web/home.html", data)


# --- municipalities ---

def municipality_list(request: HttpRequest) -> HttpResponse:
    filters = {"search": request.GET.get("q", "").strip(), "state": request.GET.get("land", ""),
               "kind": request.GET.get("art", "")}
    qs = selectors.municipality_list(filters={k: v for k, v in filters.items() if v})
    return render(request, "web/municipality_list.html", {
        "page": _page(request, qs), "filters": filters, "states": State.objects.all(),
        "kinds": MunicipalityKind.choices,
    })


def _group_usages(usages: list[Usage]) -> list[tuple[SoftwareCategory, list[Usage]]]:
    """By category (taxonomy order), inside by status (lifecycle order), then by name."""
    rank = {s: i for i, s in enumerate(STATUS_ORDER)}
    groups: dict[int, list[Usage]] = {}
    for usage in usages:
        groups.setdefault(usage.software.category_id, []).append(usage)
    result = [(rows[0].software.category,
               sorted(rows, key=lambda u: (rank[u.status], u.software.name.lower())))
              for rows in groups.values()]
    return sorted(result, key=lambda item: (item[0].position, item[0].name))


def _online_services(usages: list[Usage]) -> list[tuple[Service, list]]:
    offered: dict[int, tuple[Service, list]] = {}
    for usage in usages:
        if usage.status not in (UsageStatus.PILOT, UsageStatus.PRODUCTION):
            continue
        for service in usage.services.all():
            offered.setdefault(service.pk, (service, []))[1].append(usage.software)
    return sorted(offered.values(), key=lambda item: item[0].name.lower())


def _release_services(usages: list[Usage]) -> None:
    """Drop the prefetched services once read. Django keeps a prefetched many-to-many list
    as a queryset that names its row as a routing hint, so each row and its list form a
    reference cycle that only a full garbage collection frees, together with everything
    the row points to (product, category, vendor): most of the page's cyclic garbage."""
    for usage in usages:
        getattr(usage, "_prefetched_objects_cache", {}).pop("services", None)


def municipality_detail(request: HttpRequest, ags: str) -> HttpResponse:
    municipality = selectors.municipality_get(ags=ags)
    if municipality is None:
        raise Http404
    user = request.user
    usages = list(selectors.municipality_usages(user=user, municipality=municipality))
    online_services = _online_services(usages)
    _release_services(usages)
    contacts_visible = permissions.is_member(user) or permissions.can_edit_municipality(
        user, municipality)
    context = discovery.municipality_context(user=user, municipality=municipality)
    context["neighbourhood"] = None if context["graph_unavailable"] else _neighbourhood(
        user, municipality, usages, context["similar"])
    return render(request, "web/municipality_detail.html", {
        "municipality": municipality,
        "usage_groups": _group_usages(usages),
        "status_rows": [r for r in _status_rows(Counter(u.status for u in usages)) if r["count"]],
        "usage_count": len(usages),
        "online_services": online_services,
        "memberships": selectors.municipality_memberships(municipality=municipality),
        "collaborations": list(selectors.municipality_collaborations(
            user=user, municipality=municipality)),
        "contacts_visible": contacts_visible,
        "contacts": list(selectors.municipality_contacts(user=user, municipality=municipality))
        if contacts_visible else [],
        "children": list(selectors.municipality_children(municipality=municipality))
        if municipality.kind == MunicipalityKind.KREIS else [],
        "can_edit": permissions.can_record_usage(user, municipality),
        **context,
    })


def _neighbourhood(user, municipality: Municipality, usages: list[Usage],
                   similar: list) -> neighbourhood.Picture | None:
    """The picture from the peers the page already has (no second graph read)."""
    own = neighbourhood.own_software(usages)
    peers = neighbourhood.confirmed_peers(user=user, municipality=municipality, own=own,
                                          similar=similar)
    return neighbourhood.build(municipality=municipality, software=own, peers=peers)


def municipality_compare(request: HttpRequest) -> HttpResponse:
    texts = {"a": request.GET.get("a", "").strip(), "b": request.GET.get("b", "").strip()}
    found = {side: selectors.municipality_resolve(text=text) for side, text in texts.items()}
    chosen: dict[str, Municipality | None] = {
        side: (rows[0] if len(rows) == 1 else None) for side, rows in found.items()}
    context = {"texts": texts, "candidates": {s: r for s, r in found.items() if len(r) > 1},
               "not_found": [s for s in texts if texts[s] and not found[s]],
               "first": chosen["a"], "second": chosen["b"]}
    if chosen["a"] and chosen["b"]:
        context["comparison"] = selectors.municipality_compare(
            user=request.user, first=chosen["a"], second=chosen["b"])
    return render(request, "web/municipality_compare.html", context)


# --- software ---

def software_list(request: HttpRequest) -> HttpResponse:
    filters = {"search": request.GET.get("q", "").strip(),
               "category": request.GET.get("kategorie", "")}
    qs = selectors.software_list(user=request.user,
                                 filters={k: v for k, v in filters.items() if v})
    qs = qs.order_by("category__position", "category__name", "name")
    return render(request, "web/software_list.html", {
        "page": _page(request, qs, 100), "filters": filters,
        "categories": SoftwareCategory.objects.all(),
    })


def _by_state_and_kreis(usages: list[Usage]) -> list[tuple[State, list[tuple[Municipality | None, list[Usage]]]]]:
    """Rows grouped by Land, then by Kreis (None: kreisfreie Städte and the Kreise themselves,
    listed last), municipalities by name."""
    states: dict[int, dict[int | None, list[Usage]]] = {}
    for usage in usages:
        m = usage.municipality
        states.setdefault(m.state_id, {}).setdefault(m.parent_id, []).append(usage)
    result = []
    for kreise in states.values():
        first = next(iter(kreise.values()))[0].municipality
        groups = [(rows[0].municipality.parent, sorted(rows, key=lambda u: u.municipality.name))
                  for rows in kreise.values()]
        groups.sort(key=lambda g: (g[0] is None, g[0].name if g[0] else ""))
        result.append((first.state, groups))
    return sorted(result, key=lambda item: item[0].code)


def _map(points) -> dict:
    """Dots for (ags, name, latitude, longitude, status) rows. Thousands of points are
    projected inline (no call per point) and, above MAP_DOT_LIMIT, rounded straight to the
    whole units of the path."""
    project = germany.projector()
    if len(points) > MAP_DOT_LIMIT:
        active = {UsageStatus.PRODUCTION, UsageStatus.PILOT}
        inside = [(project(lat, lon), status in active)
                  for _ags, _name, lat, lon, status in points if germany.in_bounds(lat, lon)]
        return {"width": germany.WIDTH, "height": germany.HEIGHT,
                "outline": germany.outline_path(), "count": len(inside), "dots": [],
                "paths": {"production": germany.dots_path(xy for xy, on in inside if on),
                          "planned": germany.dots_path(xy for xy, on in inside if not on)}}
    dots = []
    for ags, name, latitude, longitude, status in points:
        if germany.in_bounds(latitude, longitude):
            x, y = germany.project(latitude, longitude)
            dots.append({"ags": ags, "name": name, "x": x, "y": y, "status": status})
    return {"width": germany.WIDTH, "height": germany.HEIGHT,
            "outline": germany.outline_path(), "count": len(dots), "dots": dots}


def _software_summary(user, software) -> dict:
    """Länder, statuses, ratings and the map from one pass over the visible usages."""
    facts = selectors.software_usage_facts(user=user, software=software)
    states: dict[str, list] = {}
    statuses: Counter = Counter()
    ratings: Counter = Counter()
    points = []
    for status, satisfaction, code, state_name, ags, name, latitude, longitude in facts:
        states.setdefault(code, [code, state_name, 0])[2] += 1
        statuses[status] += 1
        if status == UsageStatus.RETIRED:
            continue
        if satisfaction is not None:
            ratings[satisfaction] += 1
        if latitude is not None and longitude is not None:
            points.append((ags, name, latitude, longitude, status))
    points.sort()
    counts = {s: statuses.get(s, 0) for s in UsageStatus.values}
    distribution = {n: ratings.get(n, 0) for n in range(1, 6)}
    rated = sum(distribution.values())
    return {
        "usage_total": len(facts),
        "by_state": sorted(tuple(entry) for entry in states.values()),
        # Counts, not _status_rows: its labels are lazy translations, and each one read back
        # from the cache is a new class (Django unpickles a lazy string with `lazy()`), five
        # reference cycles of some 150 objects per request.
        "status_counts": counts,
        "active_count": sum(counts[s] for s in ACTIVE_STATUSES),
        "satisfaction": {"count": rated, "distribution": distribution,
                         "average": sum(k * n for k, n in distribution.items()) / rated
                         if rated else None},
        "map": _map(points),
    }


def _software_users(request: HttpRequest, software, *, total: int, cache_key: str) -> dict:
    """The 'who uses it' table: every row when there are few; else the Länder with counts,
    and in a chosen Land its Kreise with counts and the rows page by page (optionally of one
    Kreis), so a product used by thousands never renders thousands of rows."""
    user = request.user
    state = request.GET.get("land", "")
    kreis = request.GET.get("kreis")  # "" = municipalities without a Kreis
    if state and kreis is not None:
        kreis = kreis.strip()
    else:
        kreis = None
    show_rows = total <= FULL_TABLE_LIMIT or bool(state)
    context = {"selected_state": state, "selected_kreis": kreis, "show_rows": show_rows,
               "by_kreis": [], "page": None, "grouped": []}
    if not show_rows:
        return context
    usages = selectors.software_usages(user=user, software=software, state=state or None,
                                       kreis=kreis)
    if state and total > FULL_TABLE_LIMIT:
        context["by_kreis"] = caching.cached(
            f"{cache_key}:kreise:{state}",
            SOFTWARE_CACHE_SECONDS, lambda: selectors.software_usage_count_by_kreis(
                user=user, software=software, state=state))
    per_page = FULL_TABLE_LIMIT if total <= FULL_TABLE_LIMIT else ROWS_PER_PAGE
    page = Paginator(usages, per_page).get_page(request.GET.get("seite"))
    context["page"] = page
    context["grouped"] = _by_state_and_kreis(list(page.object_list))
    return context


def software_detail(request: HttpRequest, slug: str) -> HttpResponse:
    software = selectors.software_get(slug=slug)
    if software is None:
        raise Http404
    user = request.user
    stamp = caching.data_stamp()
    cache_key = f"web:software-summary:{software.pk}:{caching.visibility_key(user)}:{stamp}"
    summary = caching.cached(cache_key, SOFTWARE_CACHE_SECONDS,
                             lambda: _software_summary(user, software))
    return render(request, "web/software_detail.html", {
        "software": software,
        **summary,
        "status_rows": _status_rows(summary["status_counts"]),
        **_software_users(request, software, total=summary["usage_total"], cache_key=cache_key),
        "can_ask": permissions.is_member(user),
        **discovery.software_context(user=user, software=software, stamp=stamp),
    })


# --- services ---

def service_list(request: HttpRequest) -> HttpResponse:
    filters = {"search": request.GET.get("q", "").strip(),
               "themenfeld": request.GET.get("themenfeld", "")}
    qs = selectors.service_list(filters={"kind": "ozg", **{k: v for k, v in filters.items() if v}})
    return render(request, "web/service_list.html", {
        "page": _page(request, qs, 100), "filters": filters,
        "themenfelder": Themenfeld.objects.all(),
    })


def service_detail(request: HttpRequest, pk: int) -> HttpResponse:
    service = selectors.service_by_pk(pk=pk)
    if service is None:
        raise Http404
    offers = list(selectors.service_offers(user=request.user, service=service))
    per_software = Counter(u.software for u in offers)
    return render(request, "web/service_detail.html", {
        "service": service,
        "leika_services": list(service.leika_services.order_by("name"))
        if service.kind == "ozg" else [],
        "offers": offers,
        "municipality_count": len({u.municipality_id for u in offers}),
        "per_software": per_software.most_common(),
    })


# --- organisations and collaborations ---

def organization_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    qs = selectors.organization_list(filters={"kind": request.GET.get("art", "")} if
                                     request.GET.get("art") else None)
    if q:
        qs = qs.filter(name__icontains=q)
    return render(request, "web/organization_list.html", {"page": _page(request, qs), "q": q})


def organization_detail(request: HttpRequest, slug: str) -> HttpResponse:
    organization = selectors.organization_get(slug=slug)
    if organization is None:
        raise Http404
    return render(request, "web/organization_detail.html", {
        "organization": organization,
        "memberships": list(selectors.organization_members(organization=organization)),
        "products": list(organization.products.select_related("category").order_by("name")),
        "contacts": list(selectors.organization_contacts(user=request.user,
                                                         organization=organization)),
        "contacts_visible": permissions.is_member(request.user),
    })


def collaboration_detail(request: HttpRequest, slug: str) -> HttpResponse:
    collaboration = selectors.collaboration_get(user=request.user, slug=slug)
    if collaboration is None:
        raise Http404
    return render(request, "web/collaboration_detail.html", {"collaboration": collaboration})
