"""The municipality's neighbourhood in the graph, drawn as server-rendered SVG.

What is drawn: the municipality in the centre, the products it runs (pilot or production)
on an inner ring, its most similar municipalities (the graph's stored SIMILAR_TO list,
graph.selectors.municipality_similar) on an outer ring, and a line from each peer to every
drawn product it shares with the municipality. The peers and their shared products come
from the graph, which the page has already asked for "Ähnliche Kommunen" (no extra graph
round trip); every line is then confirmed against the database (`confirmed_peers`, one
indexed query), so the picture shows no usage the database lacks or the reader may not see,
even while the graph lags behind a change.

The layout is computed here, deterministically (same data, same picture): products sorted
by how many peers share them, evenly spaced from 12 o'clock clockwise; each peer placed near
the mean direction of its products (fewer crossing lines), then spread evenly. Coordinates
are in the SVG's user units; the viewBox makes the picture scale to any screen width.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.urls import reverse

from hub.models import Municipality, Software, Usage, UsageStatus
from hub.permissions import User
from hub.selectors import usage_list

SIZE = 640  # the picture is SIZE × SIZE user units, centred
CENTRE = SIZE / 2
SOFTWARE_RADIUS = 130.0
PEER_RADIUS = 232.0
MAX_SOFTWARE = 8
MAX_PEERS = 8
LINE_CHARS = 14  # wrap names at about this many characters
MAX_LINES = 3
LINE_HEIGHT = 17
IN_USE = (UsageStatus.PILOT, UsageStatus.PRODUCTION)


@dataclass(frozen=True)
class Line:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Node:
    kind: str  # "centre", "software" or "peer"
    key: str  # AGS or slug
    name: str
    url: str
    x: float
    y: float
    lines: tuple[Line, ...]  # the name, wrapped (never cut: it is part of the link's name)
    anchor: str  # text-anchor of the lines
    links: int  # software: peers sharing it; peer: products shared; centre: products


@dataclass(frozen=True)
class Edge:
    kind: str  # "uses" (centre → software) or "shares" (peer → software)
    source: str  # node key
    target: str
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class Picture:
    size: int
    centre: Node
    software: list[Node]
    peers: list[Node]
    edges: list[Edge]

    @property
    def rows(self) -> list[tuple[Node, list[Node]]]:
        """The text alternative: each product with the peers sharing it."""
        by_key = {p.key: p for p in self.peers}
        return [(s, [by_key[e.source] for e in self.edges
                     if e.kind == "shares" and e.target == s.key]) for s in self.software]


def confirmed_peers(*, user: User, municipality: Municipality, own: Iterable[Software],
                    similar: Sequence) -> list[tuple[Municipality, list[Software]]]:
    """The graph's peers (`SimilarMunicipality` hits, most similar first) with only those
    shared products the database confirms: a usage in pilot or production of the peer that
    `user` may see, of a product the municipality itself runs. One query."""
    own_pks = {s.pk for s in own}
    claimed = {(hit.municipality.pk, s.pk) for hit in similar for s in hit.shared_software
               if s.pk in own_pks}
    if not claimed:
        return [(hit.municipality, []) for hit in similar]
    rows = set(usage_list(user=user).filter(
        municipality__in=[hit.municipality.pk for hit in similar], software__in=own_pks,
        status__in=IN_USE).order_by().values_list("municipality_id", "software_id"))
    confirmed = claimed & rows
    return [(hit.municipality, [s for s in hit.shared_software
                                if (hit.municipality.pk, s.pk) in confirmed])
            for hit in similar]


def own_software(usages: Iterable[Usage]) -> list[Software]:
    """The products a municipality runs (pilot or production), once each."""
    found: dict[int, Software] = {}
    for usage in usages:
        if usage.status in IN_USE:
            found.setdefault(usage.software_id, usage.software)
    return list(found.values())


def wrap(text: str, width: int = LINE_CHARS, most: int = MAX_LINES) -> list[str]:
    """Words into lines of about `width` characters, at most `most` lines (the last one
    takes the rest): screen readers and axe compare the visible text with the link's name."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        elif len(lines) < most:
            lines.append(word)
        else:
            lines[-1] += " " + word
    return lines or [text]


def _label(x: float, y: float, angle: float, text: str, sideways: bool) -> tuple[tuple[Line, ...], str]:
    """Lines pointing away from the centre: beside the dot on the left and right (when
    `sideways`), else above or below it."""
    lines = wrap(text)
    dx, dy = math.cos(angle), math.sin(angle)
    if sideways and abs(dx) > 0.5:
        top = y + 5 - (len(lines) - 1) * LINE_HEIGHT / 2
        x, anchor = x + (18 if dx > 0 else -18), "start" if dx > 0 else "end"
    else:
        top = y + 30 if dy > 0 else y - 20 - (len(lines) - 1) * LINE_HEIGHT
        anchor = "middle"
    return tuple(Line(round(x, 1), round(top + i * LINE_HEIGHT, 1),
                      line + (" " if i < len(lines) - 1 else ""))
                 for i, line in enumerate(lines)), anchor


def _point(angle: float, radius: float) -> tuple[float, float]:
    return (round(CENTRE + radius * math.cos(angle), 1),
            round(CENTRE + radius * math.sin(angle), 1))


def _angle(i: int, n: int) -> float:
    return -math.pi / 2 + 2 * math.pi * i / n  # from 12 o'clock, clockwise


def _mean_angle(angles: list[float]) -> float:
    return math.atan2(sum(math.sin(a) for a in angles), sum(math.cos(a) for a in angles))


def build(*, municipality: Municipality, software: Iterable[Software],
          peers: Sequence[tuple[Municipality, Sequence[Software]]],
          max_software: int = MAX_SOFTWARE, max_peers: int = MAX_PEERS) -> Picture | None:
    """The picture for a municipality running `software`, with `peers` (most similar first)
    and the products each shares with it. None when the municipality runs nothing."""
    own = {s.pk: s for s in software}
    shared = [(peer, [s for s in products if s.pk in own]) for peer, products in peers]
    sharing = {pk: sum(1 for _peer, products in shared if any(s.pk == pk for s in products))
               for pk in own}
    chosen = sorted(own.values(), key=lambda s: (-sharing[s.pk], s.name.lower(), s.slug))
    chosen = chosen[:max_software]
    if not chosen:
        return None
    chosen_pks = {s.pk for s in chosen}
    kept = [(peer, sorted({s.pk: s for s in products if s.pk in chosen_pks}.values(),
                          key=lambda s: s.slug))
            for peer, products in shared]
    kept = [(peer, products) for peer, products in kept if products][:max_peers]

    centre = Node("centre", municipality.ags, municipality.name,
                  reverse("municipality_detail", args=[municipality.ags]), CENTRE, CENTRE,
                  *_label(CENTRE, CENTRE, math.pi / 2, municipality.name, False), len(own))
    angles = {s.pk: _angle(i, len(chosen)) for i, s in enumerate(chosen)}
    software_nodes = {}
    for s in chosen:
        x, y = _point(angles[s.pk], SOFTWARE_RADIUS)
        software_nodes[s.pk] = Node("software", s.slug, s.name,
                                    reverse("software_detail", args=[s.slug]), x, y,
                                    *_label(x, y, angles[s.pk], s.name, True), sharing[s.pk])
    # Peers go near the mean direction of their products, in that order, evenly spread.
    wanted = sorted(range(len(kept)), key=lambda i: (
        _mean_angle([angles[s.pk] for s in kept[i][1]]) % (2 * math.pi), i))
    start = _mean_angle([angles[s.pk] for s in kept[wanted[0]][1]]) if kept else 0.0
    peer_nodes, edges = [], []
    for slot, i in enumerate(wanted):
        peer, products = kept[i]
        angle = start + 2 * math.pi * slot / len(kept)
        x, y = _point(angle, PEER_RADIUS)
        # Peers' labels stay above or below the dot: beside it they would leave the picture.
        node = Node("peer", peer.ags, peer.name,
                    reverse("municipality_detail", args=[peer.ags]), x, y,
                    *_label(x, y, angle, peer.name, False), len(products))
        peer_nodes.append(node)
        edges += [Edge("shares", node.key, software_nodes[s.pk].key, x, y,
                       software_nodes[s.pk].x, software_nodes[s.pk].y) for s in products]
    edges = [Edge("uses", centre.key, n.key, centre.x, centre.y, n.x, n.y)
             for n in software_nodes.values()] + edges
    ordered = sorted(zip(wanted, peer_nodes, strict=True))  # back to similarity order
    return Picture(SIZE, centre, list(software_nodes.values()), [n for _i, n in ordered], edges)
