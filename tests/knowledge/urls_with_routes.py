"""A URL conf in which the web UI names an entity page (for entity_url)."""

from django.http import HttpResponse
from django.urls import path


def _page(request, **kwargs):
    return HttpResponse(str(kwargs))


urlpatterns = [
    path("produkte/<slug:slug>/", _page, name="software_detail"),
    path("dienste/<int:pk>/", _page, name="service_detail"),
]
