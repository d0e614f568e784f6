"""The neighbourhood picture of the municipality page: the layout (web/neighbourhood.py)
checked against the data it was given, and the picture on the page from the real embedded
graph engine, with the database confirming every line and a notice while the graph is down."""

import math
import re

import pytest
from django.urls import reverse

from graph import projection
from hub.models import Municipality, Software
from tests import factories
from tests.web.test_pages import html
from web import neighbourhood

CENTRE = neighbourhood.CENTRE


def _software(n: int) -> list[Software]:
    return [Software(pk=100 + i, name=f"Produkt {chr(65 + i)}", slug=f"produkt-{i}")
            for i in range(n)]


def _place(i: int) -> Municipality:
    return Municipality(pk=i, ags=f"0511{i:04d}", name=f"Kommune {i}")


def _radius(node) -> float:
    return math.hypot(node.x - CENTRE, node.y - CENTRE)


def test_puts_the_municipality_in_the_centre_and_links_every_node_to_its_page():
    products = _software(3)
    peers = [(_place(2), products[:2]), (_place(3), products[1:])]
    picture = neighbourhood.build(municipality=_place(1), software=products, peers=peers)
    assert (picture.centre.x, picture.centre.y) == (CENTRE, CENTRE)
    assert picture.centre.url == reverse("municipality_detail", args=["05110001"])
    # produkt-1 is shared by both peers, the others by one each (then by name)
    assert [n.url for n in picture.software] == [
        reverse("software_detail", args=[f"produkt-{i}"]) for i in (1, 0, 2)]
    assert {n.url for n in picture.peers} == {reverse("municipality_detail", args=[p.ags])
                                             for p, _s in peers}


def test_places_software_on_the_inner_ring_and_peers_on_the_outer_ring():
    products = _software(5)
    peers = [(_place(10 + i), products[i:i + 2]) for i in range(4)]
    picture = neighbourhood.build(municipality=_place(1), software=products, peers=peers)
    assert all(abs(_radius(n) - neighbourhood.SOFTWARE_RADIUS) < 0.2 for n in picture.software)
    assert all(abs(_radius(n) - neighbourhood.PEER_RADIUS) < 0.2 for n in picture.peers)
    inside = [0 < v < picture.size for n in [picture.centre, *picture.software, *picture.peers]
              for v in (n.x, n.y, *(c for line in n.lines for c in (line.x, line.y)))]
    assert all(inside)


def test_draws_one_line_per_shared_product_and_one_per_own_product():
    products = _software(4)
    peers = [(_place(2), [products[0], products[3]]), (_place(3), [products[0]]),
             (_place(4), [])]
    picture = neighbourhood.build(municipality=_place(1), software=products, peers=peers)
    positions = {n.key: (n.x, n.y) for n in [picture.centre, *picture.software, *picture.peers]}
    uses = [(e.source, e.target) for e in picture.edges if e.kind == "uses"]
    shares = sorted((e.source, e.target) for e in picture.edges if e.kind == "shares")
    assert uses == [("05110001", n.key) for n in picture.software]
    assert shares == [("05110002", "produkt-0"), ("05110002", "produkt-3"),
                      ("05110003", "produkt-0")]
    for e in picture.edges:  # every line ends on the nodes it names
        assert (e.x1, e.y1) == positions[e.source] and (e.x2, e.y2) == positions[e.target]
    assert "05110004" not in positions  # a peer sharing nothing drawn is left out


def test_keeps_the_most_shared_products_and_the_most_similar_peers():
    products = _software(12)
    # product i is shared by i peers (of 12): the 8 most shared are products 4..11
    peers = [(_place(20 + p), [s for i, s in enumerate(products) if i > p]) for p in range(12)]
    picture = neighbourhood.build(municipality=_place(1), software=products, peers=peers)
    assert [n.key for n in picture.software] == [f"produkt-{i}" for i in range(11, 3, -1)]
    assert [n.links for n in picture.software] == list(range(11, 3, -1))
    assert [n.key for n in picture.peers] == [_place(20 + p).ags for p in range(8)]


def test_table_alternative_lists_the_same_links_as_the_picture():
    products = _software(3)
    peers = [(_place(2), products[:1]), (_place(3), products[:2])]
    picture = neighbourhood.build(municipality=_place(1), software=products, peers=peers)
    rows = {s.key: [p.key for p in ps] for s, ps in picture.rows}
    assert rows == {"produkt-0": ["05110002", "05110003"], "produkt-1": ["05110003"],
                    "produkt-2": []}


def test_same_data_gives_the_same_picture():
    products = _software(6)
    peers = [(_place(2 + i), products[i:]) for i in range(5)]
    first = neighbourhood.build(municipality=_place(1), software=products, peers=peers)
    again = neighbourhood.build(municipality=_place(1), software=list(reversed(products)),
                                peers=peers)
    assert first == again


def test_draws_nothing_for_a_municipality_without_software():
    assert neighbourhood.build(municipality=_place(1), software=[], peers=[]) is None


def test_wraps_long_names_without_cutting_them():
    product = Software(pk=1, name="Ratsinformationssystem der Zukunft", slug="ris")
    peer = Municipality(pk=2, ags="05158028", name="Stadt Wülfrath an der Angerbachtalsperre")
    picture = neighbourhood.build(municipality=_place(1), software=[product],
                                  peers=[(peer, [product])])
    for node, name in ((picture.software[0], product.name), (picture.peers[0], peer.name)):
        assert "".join(line.text for line in node.lines) == name  # the link's visible text
        assert 1 < len(node.lines) <= neighbourhood.MAX_LINES
        assert [line.y for line in node.lines] == sorted(line.y for line in node.lines)


def test_wrap_keeps_every_word():
    assert neighbourhood.wrap("Mülheim an der Ruhr", 10) == ["Mülheim an", "der Ruhr"]
    assert neighbourhood.wrap("a b c d", 1, 2) == ["a", "b c d"]
    assert neighbourhood.wrap("Schmedeswurtherwesterdeich") == ["Schmedeswurtherwesterdeich"]


# --- on the page, from the real embedded graph engine ---

@pytest.fixture
def projected(scene, graph):
    projection.rebuild()
    return scene


def _section(page: str) -> str:
    return page[page.index('id="nachbarschaft"'):page.index('id="vergleich"')]


def test_municipality_page_draws_its_neighbourhood_from_the_graph(client, projected):
    section = _section(html(client.get(reverse("municipality_detail", args=["05158004"]))))
    svg = section[section.index("<svg"):section.index("</svg>")]
    # Erkrath runs Session in production; Mülheim shares it (d.velop is only planned here)
    assert f'href="{reverse("software_detail", args=["session"])}"' in svg
    assert f'href="{reverse("municipality_detail", args=["05117000"])}"' in svg
    assert "dvelop" not in svg
    assert 'data-source="05117000" data-target="session"' in svg
    assert 'aria-label="Mülheim an der Ruhr: ähnliche Kommune, teilt 1 Produkt"' in svg
    assert re.search(r'<line class="nb-edge nb-uses" x1="320.0" y1="320.0"', svg)
    assert "<title" in svg and "<desc" in svg
    table = section[section.index("<table"):]
    assert "Mülheim an der Ruhr" in table and "Session" in table


def test_neighbourhood_drops_a_line_the_database_no_longer_has(client, projected):
    projected.other_usage.delete()  # the stored similarity still says Mülheim shares Session
    section = _section(html(client.get(reverse("municipality_detail", args=["05158004"]))))
    assert "05117000" not in section[section.index("<svg"):section.index("</svg>")]


def test_neighbourhood_shows_only_what_the_visitor_may_see(client, projected, world):
    hidden = factories.SoftwareFactory(name="Geheimsoftware", slug="geheim",
                                       category=projected.dms.category)
    factories.UsageFactory(municipality=world.own, software=hidden, visibility="members")
    factories.UsageFactory(municipality=world.other, software=hidden, visibility="members")
    projection.rebuild()
    section = _section(html(client.get(reverse("municipality_detail", args=["05158004"]))))
    assert "geheim" not in section


def test_neighbourhood_says_so_while_the_graph_is_down(client, scene):
    section = _section(html(client.get(reverse("municipality_detail", args=["05158004"]))))
    assert "Das Bild der Nachbarschaft ist gerade nicht verfügbar" in section
    assert "<svg" not in section


def test_neighbourhood_is_in_english_with_the_switch(client, projected):
    client.cookies["django_language"] = "en"
    response = client.get(reverse("municipality_detail", args=["05158004"]),
                          HTTP_ACCEPT_LANGUAGE="en")
    assert "Neighbourhood in the network" in html(response)
