"""The OZG catalogue (Themenfelder, Lebenslagen, 557 OZG-Leistungen) and the LeiKa services
linked to it, from the KDN OZG-Datenbank NRW export in hub/data."""

from __future__ import annotations

from dataclasses import dataclass

from hub.demo.sync import field_key, read_csv, upsert
from hub.models import Lebenslage, Service, ServiceKind, Themenfeld

NOT_IN_LEIKA = "nicht im LeiKa"
SERVICE_FIELDS = ["name", "ozg_id", "typisierung", "ozg_service_id", "themenfeld_id",
                  "lebenslage_id"]


@dataclass(frozen=True)
class Counts:
    themenfelder: int
    lebenslagen: int
    ozg: int
    leika: int


def load_services() -> Counts:
    """Themenfelder → Lebenslagen → OZG-Leistungen → LeiKa-Leistungen, in that order because
    each level points at the one before."""
    themenfelder, lebenslagen = _load_themenfelder_and_lebenslagen()
    ozg = _load_ozg(themenfelder=themenfelder, lebenslagen=lebenslagen)
    leika = _load_leika(ozg=ozg)
    return Counts(themenfelder=len(themenfelder), lebenslagen=len(lebenslagen),
                  ozg=len(ozg), leika=leika)


def _load_themenfelder_and_lebenslagen() -> tuple[dict[str, int], dict[str, int]]:
    rows = read_csv(name="ozg_themenfelder_lebenslagen.csv")
    felder = {int(r["themenfeld_id"]): r["themenfeld"] for r in rows}
    saved = upsert(queryset=Themenfeld.objects.all(),
                   rows=[{"number": n, "name": name} for n, name in sorted(felder.items())],
                   key=field_key("number"), fields=["name"])
    feld_pk = {felder[n]: obj.pk for n, obj in saved.items()}
    lagen = [{"number": int(r["lebenslage_id"]), "name": r["lebenslage"],
              "themenfeld_id": feld_pk[r["themenfeld"]]} for r in rows]
    saved_lagen = upsert(queryset=Lebenslage.objects.all(), rows=lagen,
                         key=field_key("number"), fields=["name", "themenfeld_id"])
    # The OZG list names its Lebenslage; names are unique within the catalogue.
    lage_pk = {obj.name: obj.pk for obj in saved_lagen.values()}
    return feld_pk, lage_pk


def _load_ozg(*, themenfelder: dict[str, int], lebenslagen: dict[str, int]) -> dict[str, int]:
    rows = [
        {
            "kind": ServiceKind.OZG,
            "ozg_id": r["ozg_id"],
            "name": r["ozg_leistung"],
            "typisierung": "",
            "ozg_service_id": None,
            "themenfeld_id": themenfelder[r["themenfeld"]],
            "lebenslage_id": lebenslagen[r["lebenslage"]],
        }
        for r in read_csv(name="ozg_leistungen.csv")
    ]
    saved = upsert(queryset=Service.objects.filter(kind=ServiceKind.OZG), rows=rows,
                   key=field_key("ozg_id"), fields=SERVICE_FIELDS)
    return {ozg_id: obj.pk for ozg_id, obj in saved.items()}


def _load_leika(*, ozg: dict[str, int]) -> int:
    """LeiKa rows keyed by their 14-digit key; rows marked "nicht im LeiKa" have none, so
    they are keyed by (name, OZG id) instead. Duplicates of either key keep the first row."""
    rows: dict[object, dict] = {}
    for r in read_csv(name="leika_leistungen_kdn_2020.csv"):
        row = _leika_row(r=r, ozg=ozg)
        rows.setdefault(_leika_key(row), row)
    saved = upsert(queryset=Service.objects.filter(kind=ServiceKind.LEIKA),
                   rows=list(rows.values()), key=_leika_key, fields=SERVICE_FIELDS)
    return len(saved)


def _leika_row(*, r: dict[str, str], ozg: dict[str, int]) -> dict:
    key = r["leika_schluessel"].strip()
    return {
        "kind": ServiceKind.LEIKA,
        "leika_key": None if key == NOT_IN_LEIKA or not key else key,
        "name": r["leistung"],
        "ozg_id": r["ozg_id"],
        "typisierung": r["typisierung"],
        "ozg_service_id": ozg.get(r["ozg_id"]),
        "themenfeld_id": None,
        "lebenslage_id": None,
    }


def _leika_key(item: object) -> tuple:
    if isinstance(item, dict):
        leika_key, name, ozg_id = item["leika_key"], item["name"], item["ozg_id"]
    else:
        leika_key, name, ozg_id = item.leika_key, item.name, item.ozg_id
    return ("key", leika_key) if leika_key else ("name", name, ozg_id)
