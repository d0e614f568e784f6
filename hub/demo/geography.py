"""Länder, Gemeinden and Kreise from the Destatis Gemeindeverzeichnis (hub/data).

The Destatis extract lists Gemeinden only; a Kreis appears as a key and a name on each of its
Gemeinden. The hub needs Kreise as municipalities of their own (they use software, join IT
providers and are the `parent` of their Gemeinden), so one Kreis record is derived per
Kreisschlüssel that is not a kreisfreie Stadt.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from hub.demo.sync import field_key, read_csv, upsert
from hub.models import Municipality, MunicipalityKind, State

# Destatis Länderschlüssel → name (GV-ISys, Satzart 10).
STATES: dict[str, str] = {
    "01": "Schleswig-Holstein",
    "02": "Hamburg",
    "03": "Niedersachsen",
    "04": "Bremen",
    "05": "Nordrhein-Westfalen",
    "06": "Hessen",
    "07": "Rheinland-Pfalz",
    "08": "Baden-Württemberg",
    "09": "Bayern",
    "10": "Saarland",
    "11": "Berlin",
    "12": "Brandenburg",
    "13": "Mecklenburg-Vorpommern",
    "14": "Sachsen",
    "15": "Sachsen-Anhalt",
    "16": "Thüringen",
}

# GV-ISys Textkennzeichen of a Gemeinde (Satzart 60) → kind.
KIND_BY_TEXTKENNZEICHEN: dict[str, str] = {
    "60": MunicipalityKind.MARKT,
    "61": MunicipalityKind.KREISFREIE_STADT,
    "62": MunicipalityKind.KREISFREIE_STADT,  # Stadtkreis (Baden-Württemberg)
    "63": MunicipalityKind.STADT,
    "64": MunicipalityKind.GEMEINDE,
    "65": MunicipalityKind.GEMEINDEFREI,
    "66": MunicipalityKind.GEMEINDEFREI,
    "67": MunicipalityKind.GROSSE_KREISSTADT,
}

MUNICIPALITY_FIELDS = ["ars", "name", "short_name", "kind", "state_id", "parent_id",
                       "population", "area_km2", "postal_code", "latitude", "longitude"]


@dataclass(frozen=True)
class Counts:
    states: int
    gemeinden: int
    kreise: int


def load_states() -> dict[str, State]:
    """The 16 Länder, keyed by code."""
    rows = [{"code": code, "name": name} for code, name in STATES.items()]
    return upsert(queryset=State.objects.all(), rows=rows, key=field_key("code"),
                  fields=["name"])


def load_municipalities() -> Counts:
    """All Gemeinden plus one record per Kreis; every Gemeinde's parent is its Kreis."""
    states = {code: state.pk for code, state in load_states().items()}
    gemeinden = read_csv(name="municipalities.csv")
    kreis_rows = _kreis_rows(gemeinden=gemeinden, states=states)
    kreise = upsert(queryset=Municipality.objects.filter(kind=MunicipalityKind.KREIS),
                    rows=kreis_rows, key=field_key("ags"), fields=MUNICIPALITY_FIELDS)
    parents = {ags[:5]: obj.pk for ags, obj in kreise.items()}
    rows = [_gemeinde_row(row=row, states=states, parents=parents) for row in gemeinden]
    upsert(queryset=Municipality.objects.exclude(kind=MunicipalityKind.KREIS), rows=rows,
           key=field_key("ags"), fields=MUNICIPALITY_FIELDS)
    return Counts(states=len(states), gemeinden=len(rows), kreise=len(kreis_rows))


def short_name(*, name: str) -> str:
    """"Erkrath, Fundort des Neanderthalers, Stadt" → "Erkrath"."""
    return name.split(",", 1)[0].strip()


def _gemeinde_row(*, row: dict[str, str], states: dict[str, int],
                  parents: dict[str, int]) -> dict:
    latitude, longitude = _coordinates(row["breitengrad"], row["laengengrad"])
    return {
        "ags": row["ags"],
        "ars": row["ars"],
        "name": row["name"],
        "short_name": short_name(name=row["name"]),
        "kind": KIND_BY_TEXTKENNZEICHEN[row["textkennzeichen"]],
        "state_id": states[row["land"]],
        "parent_id": parents.get(row["kreis_schluessel"]),
        "population": int(row["bevoelkerung"]) if row["bevoelkerung"] else None,
        "area_km2": Decimal(row["flaeche_km2"]) if row["flaeche_km2"] else None,
        "postal_code": row["plz"],
        "latitude": latitude,
        "longitude": longitude,
    }


def _coordinates(lat: str, lon: str) -> tuple[float | None, float | None]:
    # Areas without a place (coastal waters, the German-Luxembourg condominium) carry 0/0.
    if not lat or not lon or (float(lat) == 0 and float(lon) == 0):
        return None, None
    return float(lat), float(lon)


def _kreis_rows(*, gemeinden: list[dict[str, str]], states: dict[str, int]) -> list[dict]:
    """One row per Kreis (not for kreisfreie Städte, city states or the two pseudo-Kreise
    07000/13000 that only hold gemeindefreie Gebiete and have no name)."""
    labels = {row["kreis_schluessel"]: row["bezeichnung"] for row in read_csv(name="kreise.csv")}
    members: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in gemeinden:
        members[row["kreis_schluessel"]].append(row)
    return [
        _kreis_row(key=key, rows=rows, label=labels.get(key, "Kreis"), states=states)
        for key, rows in members.items()
        if rows[0]["kreis_name"]
        and not any(r["textkennzeichen"] in {"61", "62"} for r in rows)
    ]


def _kreis_row(*, key: str, rows: list[dict[str, str]], label: str,
               states: dict[str, int]) -> dict:
    name = rows[0]["kreis_name"]
    points = [p for p in (_coordinates(r["breitengrad"], r["laengengrad"]) for r in rows)
              if p[0] is not None]
    return {
        "ags": f"{key}000",
        "ars": f"{key}0000000",
        "name": name,
        "short_name": _kreis_short_name(name=name, label=label),
        "kind": MunicipalityKind.KREIS,
        "state_id": states[key[:2]],
        "parent_id": None,
        "population": sum(int(r["bevoelkerung"] or 0) for r in rows),
        "area_km2": sum((Decimal(r["flaeche_km2"] or "0") for r in rows), Decimal("0")),
        "postal_code": "",
        "latitude": round(sum(p[0] for p in points) / len(points), 6) if points else None,
        "longitude": round(sum(p[1] for p in points) / len(points), 6) if points else None,
    }


def _kreis_short_name(*, name: str, label: str) -> str:
    """"Mettmann" → "Kreis Mettmann", "Göttingen" → "Landkreis Göttingen", so that a Kreis
    and its seat of the same name stay apart; names that already say what they are
    ("Rhein-Kreis Neuss", "Städteregion Aachen", "Region Hannover") stay as they are."""
    lowered = name.lower()
    if "kreis" in lowered or "region" in lowered:
        return name
    return f"{label} {name}"
