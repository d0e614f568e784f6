"""A page's objects are freed by reference counting when the request ends.

Three things kept whole pages in reference cycles that only full garbage collections freed
(10-30 ms pauses that made the p95 of the pages, bench/bench_web.py): Django's template
context (web.template_backend), the prefetched services of the municipality page's usages
(web.views.pages) and the BoundFields of the editors' table (web.forms.ReleasableFormSet).
These tests catch a new cycle (each fails without its fix). Requests go through Django's WSGI handler as a server calls
it: the test client keeps every template context on its response, itself a cycle."""

from __future__ import annotations

import gc

from django.contrib.auth import get_user_model
from django.core.handlers.wsgi import WSGIHandler
from django.db import models
from django.urls import reverse

from graph import projection
from tests import factories


def _get(client, url: str) -> str:
    environ = client._base_environ(PATH_INFO=url, REQUEST_METHOD="GET",
                                   HTTP_COOKIE=client.cookies.output(header="", sep="; "))
    status = []
    response = WSGIHandler()(environ, lambda line, headers, *exc: status.append(line))
    try:
        body = b"".join(response).decode()
    finally:
        response.close()
    assert status == ["200 OK"], status
    return body


def _cyclic_model_garbage(client, url: str) -> tuple[str, list[models.Model]]:
    """The page, and the model instances one request left unreachable in reference cycles
    (the collector disabled during the request, everything collectable before collected).
    The signed-in user is left out: Django's request is itself a cycle (the messages
    storage points back to it), one per request and not growing with the page."""
    _get(client, url)  # warm-up: template loading, translations, lazy imports
    gc.collect()
    gc.disable()
    try:
        page = _get(client, url)
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        # type(), not isinstance(): the garbage holds lazy objects (the CSP nonce) that
        # isinstance would evaluate.
        user_model = get_user_model()
        leaked = [obj for obj in gc.garbage
                  if issubclass(type(obj), models.Model) and type(obj) is not user_model]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    return page, leaked


def _more_usages(world, scene, n: int) -> None:
    for i in range(n):
        usage = factories.UsageFactory(
            municipality=world.own, software=factories.SoftwareFactory(name=f"Produkt {i:02d}"),
            notes=f"Notiz {i}")
        usage.services.set([scene.leika])


def test_municipality_page_leaves_no_model_instances_in_reference_cycles(
        client, member, world, scene, graph):
    # With the graph up: while it is down the page logs the engine's error, and the test
    # log keeps that traceback, and with it the view's locals, alive.
    _more_usages(world, scene, 12)
    projection.rebuild()
    client.force_login(member)
    page, leaked = _cyclic_model_garbage(
        client, reverse("municipality_detail", args=[world.own.ags]))
    assert "Produkt 11" in page and "Wohngeld" in page  # rows and their online services
    assert "Erika Mustermann" in page
    assert 'data-source="05117000" data-target="session"' in page  # the graph's picture
    assert leaked == []


def test_editors_table_leaves_no_model_instances_in_reference_cycles(
        client, own_editor, world, scene):
    _more_usages(world, scene, 12)
    client.force_login(own_editor)
    page, leaked = _cyclic_model_garbage(client, reverse("editor_usages", args=[world.own.ags]))
    assert 'value="Notiz 11"' in page
    assert page.count('type="date"') == 14 + 3  # every row and the three new ones
    assert leaked == []


def test_released_forms_still_render_the_same(own_editor, world, scene):
    """`release` only drops caches: a form rendered again gives the same markup."""
    from web.forms import UsageRowFormSet

    formset = UsageRowFormSet(prefix="nutzung", usages=[scene.own_usage])
    before = str(formset.forms[0]["status"]) + str(formset.management_form)
    formset.release()
    assert str(formset.forms[0]["status"]) + str(formset.management_form) == before
