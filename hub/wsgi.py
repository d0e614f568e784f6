import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
application = get_wsgi_application()


def preload() -> None:
    """Load what the first request would (URLconf, views, the GraphQL schema), then hand
    everything loaded so far to `gc.freeze()`.

    Why: a large API answer allocates tens of thousands of objects, so the cyclic garbage
    collector runs many times per request, and every full collection walked the whole
    startup heap (Django, the schema, ~10⁵ long-lived objects) that never becomes garbage:
    30-100 ms of CPU on the 100-municipality portfolio page (bench/bench_api.py). Frozen
    objects are skipped by every collection; with gunicorn's fork they also stay shared.
    """
    from django.urls import get_resolver
    from graphene_django.settings import graphene_settings

    get_resolver().url_patterns  # noqa: B018 - imports the URLconf and the views
    graphene_settings.SCHEMA  # noqa: B018 - imports and builds the schema
    gc.freeze()


preload()
