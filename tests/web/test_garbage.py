"""A page's objects are freed by reference counting when the request ends.

Four things kept whole pages in reference cycles that only full garbage collections freed
(10-30 ms pauses that made the p95 of the pages, bench/bench_web.py): Django's template
context (web.template_backend), the prefetched services of the municipality page's usages
(web.views.pages), the BoundFields of the editors' table (web.forms.ReleasableFormSet) and
lazy labels in the software page's cache.
These tests catch a new cycle (each fails without its fix). Requests go through Django's
handler, not `Client.get`: the test client keeps every template context on its response,
itself a cycle."""

from __future__ import annotations

import gc

from django.contrib.auth import get_user_model
from django.db import models
from django.test.client import ClientHandler
from django.urls import reverse

from graph import projection
from tests import factories


def _get(client, url: str) -> str:
    """A GET through the handler under the test client (it keeps the test's database
    connection open), without the client's recording of template contexts."""
    environ = client._base_environ(PATH_INFO=url, REQUEST_METHOD="GET",
                                   HTTP_COOKIE=client.cookies.output(header="", sep="; "))
    response = ClientHandler()(environ)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _cyclic_model_garbage(client, url: str) -> tuple[str, list[models.Model]]:
    """The page, and the model instances (and classes) one request left unreachable in
    reference cycles (the collector disabled during the request, everything collectable
    before it collected).
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
                  if issubclass(type(obj), models.Model) and type(obj) is not user_model
                  or type(obj) is type]  # a class built per request (a lazy string's)
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
    # log keeps that traceback, and with it the view's locals, alive (so nothing is garbage).
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


def test_software_page_read_from_the_cache_leaves_nothing_in_reference_cycles(
        client, member, scene, graph):
    """The cached summary holds status counts: lazy labels read back from the cache were
    a new class each (Django unpickles a lazy string with `lazy()`)."""
    projection.rebuild()
    client.force_login(member)
    page, leaked = _cyclic_model_garbage(client, reverse("software_detail", args=["session"]))
    assert "im Einsatz" in page and "Erkrath" in page
    assert leaked == []
