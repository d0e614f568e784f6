from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hub import selectors


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "hub/home.html", {
        "counts": selectors.hub_counts(),
        "top": selectors.software_top_by_category(user=request.user),
    })
