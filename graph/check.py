"""graph_check: compare the graph with the database and report every difference.

The expected graph comes from the projection's own row builders (graph/projection.py), so
"drift" means exactly: the graph no longer says what the consumer would write now. The
similarity relationships are derived by the job, not by the consumer, and are not compared;
their age is reported instead.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from graph import cypher, projection
from graph.client import GraphBackend, get_backend

NODE_LABELS = {
    "State": projection.state_rows,
    "Category": projection.category_rows,
    "Organization": projection.organization_rows,
    "Municipality": projection.municipality_rows,
    "Software": projection.software_rows,
    "Service": projection.service_rows,
    "Collaboration": projection.collaboration_rows,
}
RELATIONSHIP_TYPES = ["IN_STATE", "PART_OF", "IN_CATEGORY", "MADE_BY", "MEMBER_OF", "USES",
                      "OFFERS", "REPLACED_BY", "OPERATED_BY", "PARTICIPATES_IN", "ABOUT"]
GRAPH_ONLY_PROPS = {"similar_at", "similar_truncated"}

Key = tuple
Value = tuple


@dataclass
class Drift:
    kind: str
    missing: list[Key] = field(default_factory=list)  # in the database, not in the graph
    extra: list[Key] = field(default_factory=list)  # in the graph, not in the database
    different: list[tuple[Key, Any, Any]] = field(default_factory=list)  # (key, db, graph)

    @property
    def count(self) -> int:
        return len(self.missing) + len(self.extra) + len(self.different)


@dataclass
class CheckReport:
    drifts: list[Drift]
    nodes: int
    relationships: int
    similarity_computed_at: str | None

    @property
    def ok(self) -> bool:
        return not self.drifts

    def summary(self) -> str:
        if self.ok:
            return f"ok: {self.nodes} nodes, {self.relationships} relationships agree"
        return "; ".join(f"{d.kind}: {len(d.missing)} missing, {len(d.extra)} extra, "
                         f"{len(d.different)} different" for d in self.drifts)


def _clean(props: dict[str, Any]) -> dict[str, Any]:
    """Null means absent in a graph; lists compare as sorted."""
    return {k: (sorted(v) if isinstance(v, list) else v) for k, v in props.items()
            if v is not None and k not in GRAPH_ONLY_PROPS}


def expected_relationships() -> dict[str, dict[Key, Value]]:
    """type → {key: (from, to, props)} as the projection would write them now."""
    rels: dict[str, dict[Key, Value]] = defaultdict(dict)

    def put(rtype: str, key: Key, a: tuple[str, int], b: tuple[str, int], **props: Any) -> None:
        rels[rtype][key] = (a, b, _clean(props))

    for m in projection.municipality_rows():
        put("IN_STATE", (m["pk"],), ("Municipality", m["pk"]), ("State", m["state_pk"]))
        if m["parent"]:
            put("PART_OF", ("Municipality", m["pk"]), ("Municipality", m["pk"]),
                ("Municipality", m["parent"]))
    for s in projection.service_rows():
        if s["ozg_service"]:
            put("PART_OF", ("Service", s["pk"]), ("Service", s["pk"]), ("Service", s["ozg_service"]))
    for s in projection.software_rows():
        put("IN_CATEGORY", (s["pk"],), ("Software", s["pk"]), ("Category", s["category"]))
        if s["vendor"]:
            put("MADE_BY", (s["pk"],), ("Software", s["pk"]), ("Organization", s["vendor"]))
    municipal, organizational = projection.membership_rows()
    for label, rows in (("Municipality", municipal), ("Organization", organizational)):
        for r in rows:
            put("MEMBER_OF", (r["pk"],), (label, r["member"]), ("Organization", r["organization"]),
                pk=r["pk"], **r["props"])
    operated: dict[tuple[int, int], list[dict]] = defaultdict(list)
    for u in projection.usage_rows():
        p = u["props"]
        put("USES", (u["pk"],), ("Municipality", u["municipality"]), ("Software", u["software"]),
            pk=u["pk"], **p)
        for service in u["services"]:
            put("OFFERS", (u["pk"], service), ("Municipality", u["municipality"]),
                ("Service", service), usage=u["pk"], software=u["software"], status=p["status"],
                in_use=p["in_use"], public=p["public"])
        if u["successor"]:
            put("REPLACED_BY", (u["pk"],), ("Software", u["software"]), ("Software", u["successor"]),
                usage=u["pk"], municipality=u["municipality"], public=p["public"])
        if p["operated_by"]:
            operated[(u["municipality"], p["operated_by"])].append(u)
    for (municipality, provider), usages in operated.items():
        put("OPERATED_BY", (municipality, provider), ("Municipality", municipality),
            ("Organization", provider), usages=[u["pk"] for u in usages],
            link=any(u["props"]["link"] for u in usages),
            link_members=any(u["props"]["link_members"] for u in usages))
    for c in projection.collaboration_rows():
        for label, key in (("Municipality", "municipalities"), ("Organization", "organizations")):
            for p in c[key]:
                put("PARTICIPATES_IN", (label, p["pk"], c["pk"]), (label, p["pk"]),
                    ("Collaboration", c["pk"]), lead=p["lead"], link=c["props"]["public"],
                    link_members=True)
        for label, key in (("Software", "software"), ("Service", "services")):
            for pk in c[key]:
                put("ABOUT", (c["pk"], label, pk), ("Collaboration", c["pk"]), (label, pk))
    return rels


def _graph_key(rtype: str, a: tuple[str, int], b: tuple[str, int], props: dict) -> Key:
    if rtype in {"USES", "MEMBER_OF"}:
        return (props.get("pk"),)
    if rtype == "OFFERS":
        return (props.get("usage"), b[1])
    if rtype == "REPLACED_BY":
        return (props.get("usage"),)
    if rtype in {"IN_STATE", "IN_CATEGORY", "MADE_BY"}:
        return (a[1],)
    if rtype == "PART_OF":
        return a
    if rtype == "OPERATED_BY":
        return (a[1], b[1])
    if rtype == "PARTICIPATES_IN":
        return (a[0], a[1], b[1])
    return (a[1], b[0], b[1])  # ABOUT


def _compare(kind: str, expected: dict[Key, Any], actual: dict[Key, Any]) -> Drift | None:
    drift = Drift(kind)
    drift.missing = sorted(set(expected) - set(actual), key=repr)
    drift.extra = sorted(set(actual) - set(expected), key=repr)
    drift.different = [(k, expected[k], actual[k]) for k in sorted(set(expected) & set(actual),
                                                                     key=repr)
                       if expected[k] != actual[k]]
    return drift if drift.count else None


def check(*, backend: GraphBackend | None = None) -> CheckReport:
    backend = backend or get_backend()
    drifts: list[Drift] = []
    nodes = relationships = 0
    for label, builder in NODE_LABELS.items():
        expected = {(r["pk"],): _clean(r["props"]) for r in builder()}
        actual: dict[Key, Any] = {}
        for row in backend.read(cypher.MATCH_NODES, {"label": label}):
            props = dict(row["props"])
            props.pop("pk", None)
            actual[(row["pk"],)] = _clean(props)
        nodes += len(actual)
        if drift := _compare(label, expected, actual):
            drifts.append(drift)
    expected_rels = expected_relationships()
    actual_rels: dict[str, dict[Key, Value]] = defaultdict(dict)
    duplicates: dict[str, list[Key]] = defaultdict(list)
    for row in backend.read(cypher.MATCH_RELATIONSHIPS, {"types": RELATIONSHIP_TYPES}):
        a, b = (row["from_label"], row["from_pk"]), (row["to_label"], row["to_pk"])
        props = _clean(dict(row["props"]))
        key = _graph_key(row["type"], a, b, props)
        if key in actual_rels[row["type"]]:
            duplicates[row["type"]].append(key)
        actual_rels[row["type"]][key] = (a, b, props)
        relationships += 1
    for rtype in RELATIONSHIP_TYPES:
        drift = _compare(rtype, expected_rels.get(rtype, {}), actual_rels.get(rtype, {}))
        if duplicates[rtype]:
            drift = drift or Drift(rtype)
            drift.extra += duplicates[rtype]
        if drift:
            drifts.append(drift)
    computed_at = (projection.read_meta(backend, "similarity") or {}).get("computed_at")
    return CheckReport(drifts, nodes, relationships, computed_at)
