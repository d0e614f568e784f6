"""Responses are gzip-compressed for clients that accept it, never for those that do not."""

import gzip
import json

from tests import factories


def test_pages_are_compressed_for_clients_that_accept_gzip(client, db):
    factories.MunicipalityFactory(name="Gzipstadt")
    plain = client.get("/")
    packed = client.get("/", HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    body = gzip.decompress(packed.content)
    assert b"<html" in body and len(packed.content) < len(body) / 2
    # the same page apart from the per-response CSP nonce and CSRF token
    assert abs(len(body) - len(plain.content)) < 200


def test_graphql_answers_are_compressed_and_stay_json(client, db):
    for n in range(30):
        factories.MunicipalityFactory(name=f"Packdorf {n}")
    query = "{ municipalities(first: 30) { edges { node { name ags } } } }"
    response = client.post("/graphql", json.dumps({"query": query}),
                           content_type="application/json", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    data = json.loads(gzip.decompress(response.content))["data"]["municipalities"]["edges"]
    assert len(data) == 30
