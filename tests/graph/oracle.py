"""Expected discovery answers computed in plain Python from the relational data.

Deliberately independent of graph/: no Cypher, no numpy, no code shared with the projection;
only the documented definitions (README, "Graph projection") written out the obvious way.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from dataclasses import dataclass

from hub.models import (
    Collaboration,
    Membership,
    Municipality,
    Service,
    Software,
    Usage,
    Visibility,
)

IN_USE = {"pilot", "production"}
STAGE = {"production": 0, "pilot": 1, "planned": 2, "evaluating": 3, "retired": 4}
BANDS = [("lt5k", 0, 5000), ("5k-20k", 5000, 20000), ("20k-50k", 20000, 50000),
         ("50k-100k", 50000, 100000), ("100k-500k", 100000, 500000), ("500k+", 500000, None)]


def band(population: int | None) -> str | None:
    if population is None:
        return None
    return next(code for code, low, high in BANDS
                if population >= low and (high is None or population < high))


@dataclass
class World:
    """Everything the oracle reads, loaded once per data set."""

    municipalities: dict[int, Municipality]
    software: dict[int, Software]
    usages: list[Usage]
    services: dict[int, list[int]]  # usage pk -> service pks
    memberships: list[Membership]
    collaborations: list[Collaboration]

    @classmethod
    def load(cls) -> World:
        usages = list(Usage.objects.all())
        services: dict[int, list[int]] = defaultdict(list)
        for usage_id, service_id in Usage.services.through.objects.values_list("usage_id",
                                                                              "service_id"):
            services[usage_id].append(service_id)
        return cls(
            municipalities={m.pk: m for m in Municipality.objects.select_related("state")},
            software={s.pk: s for s in Software.objects.all()},
            usages=usages, services=services,
            memberships=list(Membership.objects.all()),
            collaborations=list(Collaboration.objects.prefetch_related(
                "municipalities", "organizations")),
        )

    def ags(self, pk: int) -> str:
        return self.municipalities[pk].ags

    def kreis_of(self, pk: int) -> int | None:
        m = self.municipalities[pk]
        return m.pk if m.kind == "kreis" else m.parent_id

    @staticmethod
    def visible(usage: Usage, members: bool) -> bool:
        return members or usage.visibility == Visibility.PUBLIC

    # ---------------------------------------------------------------- similarity

    def public_sets(self) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
        runs: dict[int, set[int]] = defaultdict(set)  # municipality -> software
        users: dict[int, set[int]] = defaultdict(set)  # software -> municipalities
        for u in self.usages:
            if u.status in IN_USE and u.visibility == Visibility.PUBLIC:
                runs[u.municipality_id].add(u.software_id)
                users[u.software_id].add(u.municipality_id)
        return runs, users

    def similar(self, pk: int, *, first: int = 10, same_state: bool = False,
                same_kind: bool = False, population_band: str | None = None
                ) -> list[tuple[int, int, list[int]]]:
        """[(municipality, units, shared software)]: Adamic–Adar with terms rounded to
        micro-units, ties by AGS."""
        runs, users = self.public_sets()
        me = self.municipalities[pk]
        if population_band == "same":
            population_band = band(me.population)
        scores: dict[int, int] = defaultdict(int)
        shared: dict[int, list[int]] = defaultdict(list)
        for s in runs[pk]:
            term = math.floor(1_000_000 / math.log(len(users[s])) + 0.5) if len(users[s]) > 1 else 0
            for other in users[s] - {pk}:
                scores[other] += term
                shared[other].append(s)
        result = []
        for other, units in scores.items():
            o = self.municipalities[other]
            if same_state and o.state_id != me.state_id:
                continue
            if same_kind and o.kind != me.kind:
                continue
            if population_band is not None and band(o.population) != population_band:
                continue
            result.append((other, units, sorted(shared[other])))
        result.sort(key=lambda r: (-r[1], self.ags(r[0])))
        return result[:first]

    def recommendations(self, pk: int, *, first: int = 10, members: bool = False):
        """[(software, units, used_by, average satisfaction)]"""
        neighbours = {o: units for o, units, _s in self.similar(pk, first=50)}
        mine = {u.software_id for u in self.usages
                if u.municipality_id == pk and self.visible(u, members)}
        score: dict[int, int] = defaultdict(int)
        used_by: dict[int, list[int]] = defaultdict(list)
        ratings: dict[int, list[int]] = defaultdict(list)
        for u in self.usages:
            if (u.municipality_id in neighbours and u.status in IN_USE
                    and self.visible(u, members) and u.software_id not in mine):
                score[u.software_id] += neighbours[u.municipality_id]
                used_by[u.software_id].append(u.municipality_id)
                if u.satisfaction is not None:
                    ratings[u.software_id].append(u.satisfaction)
        rows = []
        for s, units in score.items():
            by = sorted(used_by[s], key=lambda o: (-neighbours[o], self.ags(o)))
            average = sum(ratings[s]) / len(ratings[s]) if ratings[s] else None
            rows.append((s, units, by, average))
        rows.sort(key=lambda r: (-r[1], -len(r[2]), self.software[r[0]].slug))
        return rows[:first]

    # ---------------------------------------------------------------- product reads

    def service_family(self, service: int) -> set[int]:
        return {service, *Service.objects.filter(ozg_service_id=service).values_list("pk",
                                                                                     flat=True)}

    def used_by(self, software: int, *, statuses=("pilot", "production"), state=None,
                kreis=None, service=None, members=False):
        family = self.service_family(service) if service is not None else None
        rows = []
        for u in self.usages:
            m = self.municipalities[u.municipality_id]
            if (u.software_id == software and u.status in statuses and self.visible(u, members)
                    and (state is None or m.state.code == state)
                    and (kreis is None or self.kreis_of(m.pk) == kreis)
                    and (family is None or family & set(self.services[u.pk]))):
                rows.append((m.pk, u.pk, u.status))
        rows.sort(key=lambda r: (STAGE[r[2]], self.ags(r[0]), r[1]))
        return rows

    def used_with(self, software: int, *, first: int = 10, min_together: int = 2,
                  members: bool = False):
        """[(software, lift, together, users)]"""
        runs: dict[int, set[int]] = defaultdict(set)
        for u in self.usages:
            if u.status in IN_USE and self.visible(u, members):
                runs[u.software_id].add(u.municipality_id)
        n = len(self.municipalities)
        rows = []
        for other, users in runs.items():
            together = len(users & runs[software])
            if other != software and together >= min_together:
                rows.append((other, together * n / (len(runs[software]) * len(users)), together,
                             len(users)))
        rows.sort(key=lambda r: (-r[2] / r[3], -r[2], self.software[r[0]].slug))
        return rows[:first]

    def offered_by(self, service: int, *, members: bool = False):
        """[(municipality, software, usages)] by AGS, software."""
        family = self.service_family(service)
        grouped: dict[tuple[int, int], list[int]] = defaultdict(list)
        for u in self.usages:
            if u.status in IN_USE and self.visible(u, members) and family & set(self.services[u.pk]):
                grouped[(u.municipality_id, u.software_id)].append(u.pk)
        rows = [(m, s, sorted(us)) for (m, s), us in grouped.items()]
        rows.sort(key=lambda r: (self.ags(r[0]), r[1]))
        return rows

    def migrations(self, software: int, *, towards: bool, members: bool = False):
        """[(software, count, municipalities)]: replaced_by (towards=False) or replaces."""
        grouped: dict[int, list[int]] = defaultdict(list)
        for u in self.usages:
            if u.status != "retired" or u.successor_id is None or not self.visible(u, members):
                continue
            if not towards and u.software_id == software:
                grouped[u.successor_id].append(u.municipality_id)
            if towards and u.successor_id == software:
                grouped[u.software_id].append(u.municipality_id)
        rows = [(s, len(ms), sorted(ms)) for s, ms in grouped.items()]
        rows.sort(key=lambda r: (-r[1], self.software[r[0]].slug))
        return rows

    def planned_by(self, software: int, *, viewer: int | None = None, members: bool = False):
        """[(municipality, usage, joint, nearness)]"""
        rows = []
        for u in self.usages:
            if (u.software_id != software or u.status not in {"planned", "evaluating"}
                    or not self.visible(u, members) or u.municipality_id == viewer):
                continue
            nearness = 0
            if viewer is not None:
                if self.kreis_of(viewer) is not None and self.kreis_of(u.municipality_id) == self.kreis_of(viewer):
                    nearness = 2
                elif self.municipalities[u.municipality_id].state_id == self.municipalities[viewer].state_id:
                    nearness = 1
            rows.append((u.municipality_id, u.pk, u.open_to_joint_procurement, nearness))
        rows.sort(key=lambda r: (-int(r[2]), -r[3], self.ags(r[0])))
        return rows

    # ---------------------------------------------------------------- connections

    def channels(self, members: bool) -> dict[tuple[str, int], set[tuple[str, tuple[str, int]]]]:
        """Undirected adjacency over the introduction channels: (type, neighbour node)."""
        adj: dict[tuple[str, int], set] = defaultdict(set)

        def link(kind: str, a: tuple[str, int], b: tuple[str, int]) -> None:
            adj[a].add((kind, b))
            adj[b].add((kind, a))

        for ms in self.memberships:
            if ms.until is None:
                member = (("Municipality", ms.member_municipality_id) if ms.member_municipality_id
                          else ("Organization", ms.member_organization_id))
                link("MEMBER_OF", member, ("Organization", ms.organization_id))
        for u in self.usages:
            if u.status in IN_USE and self.visible(u, members):
                link("USES", ("Municipality", u.municipality_id), ("Software", u.software_id))
                if u.operated_by_id:
                    link("OPERATED_BY", ("Municipality", u.municipality_id),
                         ("Organization", u.operated_by_id))
        for c in self.collaborations:
            if c.visibility != Visibility.PUBLIC and not members:
                continue
            node = ("Collaboration", c.pk)
            for m in {*(x.pk for x in c.municipalities.all()), *([c.lead_municipality_id] if c.lead_municipality_id else [])}:
                link("PARTICIPATES_IN", ("Municipality", m), node)
            for o in {*(x.pk for x in c.organizations.all()), *([c.lead_organization_id] if c.lead_organization_id else [])}:
                link("PARTICIPATES_IN", ("Organization", o), node)
        return adj

    def connections(self, source: int, target: int, *, max_hops: int = 3, first: int = 10,
                    members: bool = False):
        """[(types, nodes)] of all shortest paths, sorted, cut at `first`."""
        if source == target:
            return []
        adj = self.channels(members)
        start, goal = ("Municipality", source), ("Municipality", target)
        dist = {start: 0}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for _kind, nxt in adj[node]:
                if nxt not in dist:
                    dist[nxt] = dist[node] + 1
                    queue.append(nxt)
        if goal not in dist or dist[goal] > 2 * max_hops:
            return []
        paths = set()

        def back(node, types, nodes):
            if node == start:
                paths.add((tuple(reversed(types)), tuple(reversed(nodes))))
                return
            for kind, prev in adj[node]:
                if dist.get(prev) == dist[node] - 1:
                    back(prev, [*types, kind], [*nodes, prev])

        back(goal, [], [goal])
        return sorted(paths)[:first]
