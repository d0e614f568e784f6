"""The curl examples in the README's "GraphQL-API" section run as written."""

from __future__ import annotations

import re
from pathlib import Path

from django.test import Client

from api import services
from api.models import TokenScope
from hub import permissions
from hub.models import Service
from tests import factories

README = Path(__file__).resolve().parents[2] / "README.md"


def _examples() -> list[tuple[str, str]]:
    section = README.read_text().split("## GraphQL-API", 1)[1].split("### Examples", 1)[1]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    found = re.findall(r"-H 'Content-Type: ([\w/]+)'.*?--data-binary '(.*?)'\n", block, flags=re.S)
    return [(kind, body) for kind, body in found]


def test_readme_has_five_queries_and_a_mutation():
    bodies = [body for _kind, body in _examples()]
    assert len(bodies) == 6
    assert sum("mutation" in body for body in bodies) == 1


def test_readme_examples_run_without_errors(world, own_editor):
    factories.UsageFactory(municipality=world.other,
                           software=factories.SoftwareFactory(slug="sessionnet"),
                           status="retired")
    Service.objects.create(kind="leika", name="Sitzungsdienst", leika_key="99115004000000")
    _token, secret = services.api_token_create(actor=own_editor, name="readme",
                                               scope=TokenScope.READ_WRITE)
    permissions.grant_municipality_editor(own_editor, world.other)
    client = Client()
    for kind, body in _examples():
        response = client.post("/graphql", body, content_type=kind,
                               HTTP_AUTHORIZATION=f"Bearer {secret}")
        result = response.json()
        assert response.status_code == 200 and "errors" not in result, (body, result)
        payload = result["data"].get("usageCreate")
        if payload is not None:
            assert payload["errors"] == [] and payload["usage"]["status"] == "PRODUCTION"
