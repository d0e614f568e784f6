"""Destatis Gemeindeverzeichnis (GV-ISys, "AuszugGV…Aktuell") as published in CSV.

Record types (Satzart): 10 Land → hub.State; 20 Regierungsbezirk and 30 Region (Baden-
Württemberg) → exchange.AdminArea; 40 Kreis → Municipality of kind "kreis" with AGS KKKKK000,
except kreisfreie Städte/Stadtkreise (Textkennzeichen 41/42), which are their own Gemeinde
record; 50 Gemeindeverband → AdminArea; 60 Gemeinde → Municipality, parent = its Kreis
(none for kreisfreie Städte).

The published file is messy: BOM, spaces as thousands separators (" 90 164"), decimal
points for the area but decimal commas for coordinates. Re-importing updates names,
population and the hierarchy and never duplicates anything (the AGS is the key); an AGS that
vanished from a Land covered by the file is marked dissolved (`dissolved_on`) and, where the
successor can be told, `merged_into` — never deleted, so its usages stay.

Writes are a bulk path (11,000 rows): every row passes `full_clean()` like a service write,
history is kept with simple-history's bulk helpers and the outbox gets one event per changed
municipality (or one rebuild for large loads). The whole file is all-or-nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop
from simple_history.utils import bulk_update_with_history

from exchange import report as rp
from exchange.bulk import Upsert, emit
from exchange.matching import base_name
from exchange.models import AdminArea, AdminAreaLevel
from exchange.text import decode, fold, parse_decimal, parse_int, read_table
from hub import errors
from hub.demo.geography import KIND_BY_TEXTKENNZEICHEN, _coordinates, _kreis_short_name, short_name
from hub.models import Municipality, MunicipalityKind, State
from hub.services import Actor

# Textkennzeichen of Satzart 60 → our kind, and the derived names, shared with the demo
# loader (hub/demo/geography.py) so both produce the same rows from the same register.
GEMEINDE_KINDS = KIND_BY_TEXTKENNZEICHEN
KREIS_LABELS = {"43": "Kreis", "44": "Landkreis", "45": "Regionalverband"}
# Satzart 40: 41 kreisfreie Stadt, 42 Stadtkreis (no Kreis entity); 43 Kreis, 44 Landkreis,
# 45 Regionalverband → a Kreis.
KREIS_CODES = {"43", "44", "45"}
KREISFREI_CODES = {"41", "42"}
# Finer kinds the register does not know (NRW's mittlere/große kreisangehörige Stadt): a
# re-import keeps them instead of flattening them back to "Stadt".
REFINEMENTS: dict[str, set[str]] = {
    MunicipalityKind.STADT: {MunicipalityKind.MITTLERE_KREISANGEHOERIGE_STADT,
                             MunicipalityKind.GROSSE_KREISANGEHOERIGE_STADT,
                             MunicipalityKind.GROSSE_KREISSTADT},
}

COLUMNS: dict[str, set[str]] = {
    "satzart": {"Satzart", "record type"},
    "textkennzeichen": {"Textkennzeichen", "TK"},
    "land": {"Land", "Länderschlüssel"},
    "rb": {"RB", "Regierungsbezirk"},
    "kreis": {"Kreis"},
    "vb": {"VB", "Gemeindeverband"},
    "gemeinde": {"Gem", "Gemeinde"},
    "name": {"gemeindename", "Gemeindename", "Amtlicher Gemeindename", "Name"},
    "flaeche": {"Fläche", "Fläche km2", "flaeche_km2"},
    "bevoelkerung": {"Bevölkerung", "Bevölkerung insgesamt", "einwohner"},
    "postleitzahl": {"PLZ", "Postleitzahl"},
    "laengengrad": {"Längengrad", "longitude"},
    "breitengrad": {"Breitengrad", "latitude"},
    # Published but not used by the hub (read so that they are not reported as unknown).
    **{name: set() for name in ["maennlich", "weiblich", "jekm2", "schluessel", "bezeichnung",
                                "verstaedterungschluessel", "verstaedterungbezeichnung"]},
}
REQUIRED = {"satzart", "land", "rb", "kreis", "vb", "gemeinde", "name"}

# Compared and written on re-import; everything else (website, profile, contacts) is the
# hub's own data and never touched.
OWNED_FIELDS = ["name", "short_name", "kind", "state", "parent", "ars", "population",
                "area_km2", "postal_code", "latitude", "longitude", "dissolved_on",
                "merged_into"]
MASS_DISSOLVE_SHARE = 0.1


@dataclass
class Target:
    """One municipality as the register describes it (Kreis or Gemeinde)."""

    line: int
    ags: str
    ars: str
    name: str
    kind: str
    state: str
    parent_ags: str | None
    population: int | None = None
    area_km2: Decimal | None = None
    postal_code: str = ""
    latitude: float | None = None
    longitude: float | None = None
    short_name: str = ""


@dataclass
class Register:
    states: dict[str, tuple[int, str]] = field(default_factory=dict)
    areas: dict[tuple[str, str], tuple[int, str, str, str]] = field(default_factory=dict)
    kreise: dict[str, Target] = field(default_factory=dict)
    gemeinden: dict[str, Target] = field(default_factory=dict)


def parse(text: str, report: rp.Report) -> Register | None:
    """Rows of the CSV → Register; bad rows become rejections naming row and field."""
    table = read_table(text, report, columns=COLUMNS, required=REQUIRED)
    if table is None:
        return None
    reg = Register()
    kreis_codes: dict[str, str] = {}
    for line, row in table.rows:
        kind = row["satzart"]
        land = row["land"].zfill(2) if row["land"] else ""
        if kind == "10":
            reg.states[land] = (line, row["name"])
        elif kind == "20":
            reg.areas[(AdminAreaLevel.REGIERUNGSBEZIRK, land + row["rb"])] = (line, row["name"], "", land)
        elif kind == "30":
            key = land + row["rb"] + row["kreis"]
            reg.areas[(AdminAreaLevel.REGION, key)] = (line, row["name"], "", land)
        elif kind == "40":
            code = row.get("textkennzeichen", "")
            kreis = land + row["rb"] + row["kreis"]
            kreis_codes[kreis] = code
            if code in KREIS_CODES or (not code and row["kreis"] != "00"):
                label = KREIS_LABELS.get(code, "Kreis")
                reg.kreise[kreis + "000"] = Target(
                    line, kreis + "000", kreis + "0000000", row["name"], MunicipalityKind.KREIS,
                    land, None, short_name=_kreis_short_name(name=row["name"], label=label))
        elif kind == "50":
            key = land + row["rb"] + row["kreis"] + row["vb"]
            reg.areas[(AdminAreaLevel.GEMEINDEVERBAND, key)] = (
                line, row["name"], row.get("textkennzeichen", ""), land)
        elif kind == "60":
            target = _gemeinde(line, row, land, report)
            if target:
                if target.ags in reg.gemeinden:
                    report.add_row(rp.RowResult(line, target.ags, rp.REJECTED, issues=[rp.Issue(
                        errors.DUPLICATE, gettext_noop("AGS %(ags)s kommt doppelt vor (zuerst in Zeile %(first)s)."),
                        {"ags": target.ags, "first": reg.gemeinden[target.ags].line}, line, "gemeinde")]))
                    continue
                reg.gemeinden[target.ags] = target
        else:
            report.add_row(rp.RowResult(line, row["satzart"], rp.REJECTED, issues=[rp.Issue(
                rp.UNKNOWN_VALUE, gettext_noop("Unbekannte Satzart „%(value)s“ (erwartet 10, 20, 30, 40, 50 oder 60)."),
                {"value": row["satzart"]}, line, "satzart")]))
    for target in reg.gemeinden.values():
        kreis = target.ags[:5] + "000"
        target.parent_ags = kreis if kreis in reg.kreise and kreis != target.ags else None
    _sum_kreise(reg)
    return reg


def _gemeinde(line: int, row: dict[str, str], land: str, report: rp.Report) -> Target | None:
    problems: list[rp.Issue] = []
    code = row.get("textkennzeichen", "")
    kind = GEMEINDE_KINDS.get(code)
    if kind is None:
        problems.append(rp.Issue(rp.UNKNOWN_VALUE, gettext_noop(
            "Unbekanntes Textkennzeichen „%(value)s“ für eine Gemeinde."), {"value": code}, line,
            "textkennzeichen"))
    ags = land + row["rb"] + row["kreis"] + row["gemeinde"]
    target = Target(line, ags, land + row["rb"] + row["kreis"] + row["vb"] + row["gemeinde"],
                    row["name"], kind or "", land, None, short_name=short_name(name=row["name"]))
    for name, attr, parser in [("bevoelkerung", "population", parse_int),
                               ("flaeche", "area_km2", parse_decimal),
                               ("breitengrad", "latitude", parse_decimal),
                               ("laengengrad", "longitude", parse_decimal)]:
        raw = row.get(name, "")
        try:
            value = parser(raw)
        except ValueError:
            problems.append(rp.Issue(errors.INVALID, gettext_noop(
                "„%(value)s“ ist keine gültige Zahl."), {"value": raw}, line, name))
            continue
        if value is not None and attr in {"latitude", "longitude"}:
            value = float(value)
        elif value is not None and attr == "area_km2":
            value = value.quantize(Decimal("0.01"))
        setattr(target, attr, value)
    if target.latitude is not None and target.longitude is not None:
        target.latitude, target.longitude = _coordinates(str(target.latitude), str(target.longitude))
    else:
        target.latitude = target.longitude = None
    plz = row.get("postleitzahl", "")
    if plz:
        if plz.isdigit() and len(plz) <= 5:
            target.postal_code = plz.zfill(5)
        else:
            problems.append(rp.Issue(errors.INVALID, gettext_noop(
                "„%(value)s“ ist keine gültige Postleitzahl."), {"value": plz}, line, "postleitzahl"))
    if problems:
        report.add_row(rp.RowResult(line, ags, rp.REJECTED, issues=problems))
        return None
    return target


def _sum_kreise(reg: Register) -> None:
    """The extract carries figures only on Gemeinde rows: a Kreis gets their population and
    area sums and the centroid of their coordinates (as the demo loader computes them)."""
    population: dict[str, int] = defaultdict(int)
    area: dict[str, Decimal] = defaultdict(Decimal)
    points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for g in reg.gemeinden.values():
        if g.parent_ags:
            population[g.parent_ags] += g.population or 0
            area[g.parent_ags] += g.area_km2 or Decimal(0)
            if g.latitude is not None and g.longitude is not None:
                points[g.parent_ags].append((g.latitude, g.longitude))
    for ags, kreis in reg.kreise.items():
        if ags in population:
            kreis.population = population[ags]
            kreis.area_km2 = area[ags]
        if points.get(ags):
            kreis.latitude = round(sum(p[0] for p in points[ags]) / len(points[ags]), 6)
            kreis.longitude = round(sum(p[1] for p in points[ags]) / len(points[ags]), 6)


# ---------------------------------------------------------------- apply


def import_municipalities(*, actor: Actor, data: bytes, source: str, dry_run: bool = False,
                          as_of: dt.date | None = None, mergers: dict[str, str] | None = None,
                          allow_mass_dissolve: bool = False, progress: bool = False) -> rp.Report:
    """Import a GV-ISys CSV export. All-or-nothing: any rejected row saves nothing."""
    report = rp.Report(source, dry_run=dry_run, keep_rows=False)
    decoded = decode(data, report)
    if decoded is None:
        return report
    reg = parse(decoded.text, report)
    if reg is None or not report.ok:
        return report
    with transaction.atomic():
        states = _apply_states(reg, report)
        _apply_areas(reg, states, report)
        changed = _Apply(actor, reg, states, report, as_of or timezone.localdate(),
                         mergers or {}, allow_mass_dissolve, progress).run()
        if report.ok and not dry_run:
            emit("municipality", changed, f"import_municipalities {source}")
            report.applied = True
        else:
            transaction.set_rollback(True)
    return report


def _apply_states(reg: Register, report: rp.Report) -> dict[str, State]:
    states = {s.code: s for s in State.objects.all()}
    for code, (line, name) in reg.states.items():
        state = states.get(code)
        if state is None:
            states[code] = State.objects.create(code=code, name=name)
            report.count(rp.CREATED)
        elif state.name != name:
            report.add_row(rp.RowResult(line, code, rp.UPDATED, {"name": (state.name, name)}))
            state.name = name
            state.save(update_fields=["name"])
        else:
            report.count(rp.UNCHANGED)
    for target in list(reg.kreise.values()) + list(reg.gemeinden.values()):
        if target.state not in states:
            report.add_row(rp.RowResult(target.line, target.ags, rp.REJECTED, issues=[rp.Issue(
                errors.INVALID_STATE, gettext_noop("Das Land %(state)s fehlt (Satzart 10)."),
                {"state": target.state}, target.line, "land")]))
    return states


def _apply_areas(reg: Register, states: dict[str, State], report: rp.Report) -> None:
    existing = {(a.level, a.key): a for a in AdminArea.objects.all()}
    new, changed = [], []
    for (level, key), (_line, name, text_code, land) in reg.areas.items():
        if land not in states:
            continue
        area = existing.get((level, key))
        if area is None:
            new.append(AdminArea(level=level, key=key, name=name, text_code=text_code,
                                 state=states[land]))
        elif (area.name, area.text_code, area.dissolved_on) != (name, text_code, None):
            area.name, area.text_code, area.dissolved_on = name, text_code, None
            changed.append(area)
    AdminArea.objects.bulk_create(new, batch_size=1000)
    AdminArea.objects.bulk_update(changed, ["name", "text_code", "dissolved_on"], batch_size=1000)
    report.count(rp.CREATED, len(new))
    report.count(rp.UPDATED, len(changed))
    report.count(rp.UNCHANGED, len(reg.areas) - len(new) - len(changed))


class _Apply:
    """Compare the register with the database and write the difference in bulk."""

    def __init__(self, actor: Actor, reg: Register, states: dict[str, State], report: rp.Report,
                 as_of: dt.date, mergers: dict[str, str], allow_mass_dissolve: bool,
                 progress: bool) -> None:
        self.actor = actor if getattr(actor, "is_authenticated", False) else None
        self.reg, self.states, self.report = reg, states, report
        self.as_of, self.mergers, self.allow_mass = as_of, mergers, allow_mass_dissolve
        self.progress = progress
        self.existing = {m.ags: m for m in Municipality.objects.all()}
        self.changed_ids: list[int] = []
        self.created_ags: set[str] = set()

    def run(self) -> list[int]:
        self._level(list(self.reg.kreise.values()), "Kreise")
        if self.report.ok:
            self._level(list(self.reg.gemeinden.values()), "Gemeinden")
        if self.report.ok:
            self._dissolve_vanished()
        return self.changed_ids

    def _level(self, targets: list[Target], label: str) -> None:
        up = Upsert(Municipality, self.report, fk_fields=["state", "parent", "merged_into"])
        for target in rp.progress(targets, total=len(targets), desc=label, enabled=self.progress):
            if target.state not in self.states:
                continue
            current = self.existing.get(target.ags)
            values = self._values(target, current)
            if current is None:
                values["ags"] = target.ags
            up.put(target.ags, current, values, row=target.line, label=target.ags)
        if not self.report.ok:
            return
        self.changed_ids.extend(up.write(self.actor))
        for m in up.new:
            self.existing[m.ags] = m
            self.created_ags.add(m.ags)

    def _values(self, t: Target, current: Municipality | None) -> dict[str, Any]:
        kind = t.kind
        if current is not None and current.kind in REFINEMENTS.get(kind, set()):
            kind = current.kind
        parent = self.existing.get(t.parent_ags) if t.parent_ags else None
        values: dict[str, Any] = {
            "name": t.name, "kind": kind, "state": self.states[t.state], "parent": parent,
            "ars": t.ars, "population": t.population, "area_km2": t.area_km2,
            "postal_code": t.postal_code, "latitude": t.latitude, "longitude": t.longitude,
            "dissolved_on": None, "merged_into": None,
        }
        # A short name edited in the hub survives; derived ones follow the register.
        derived = {"", base_name(current.name) if current else "", t.short_name}
        if current is None or current.short_name in derived or current.short_name.endswith(
                " " + base_name(current.name)):
            values["short_name"] = t.short_name
        if t.kind == MunicipalityKind.KREIS and t.population is None and current is not None:
            values.pop("population")
            values.pop("area_km2")
        return values

    def _dissolve_vanished(self) -> None:
        covered = {t.state for t in self.reg.gemeinden.values()}
        seen = set(self.reg.gemeinden) | set(self.reg.kreise)
        active = [m for m in self.existing.values()
                  if m.ags[:2] in covered and m.dissolved_on is None]
        vanished = [m for m in active if m.ags not in seen]
        if not vanished:
            return
        if (len(vanished) > 20 and len(vanished) > MASS_DISSOLVE_SHARE * len(active)
                and not self.allow_mass):
            self.report.error(rp.SUSPICIOUS, gettext_noop(
                "%(count)s von %(total)s Kommunen der erfassten Länder fehlen in der Datei. Ist "
                "sie unvollständig? Nichts gespeichert; zum Auflösen ausdrücklich erlauben "
                "(--allow-mass-dissolve)."), count=len(vanished), total=len(active))
            return
        for m in vanished:
            successor = self._successor(m)
            m.dissolved_on = self.as_of
            m.merged_into = successor
            issues = []
            if successor is None:
                issues.append(rp.Issue(rp.UNMATCHED, gettext_noop(
                    "%(name)s (%(ags)s) fehlt im Verzeichnis und wurde als aufgelöst markiert; "
                    "die Nachfolgekommune ist unbekannt (Zuordnung mit --mergers angeben)."),
                    {"name": m.name, "ags": m.ags}, None, "ags", rp.WARNING))
            self.report.add_row(rp.RowResult(None, m.ags, rp.UPDATED, {
                "dissolved_on": (None, self.as_of.isoformat()),
                "merged_into": (None, successor.ags if successor else None)}, issues))
        bulk_update_with_history(vanished, Municipality, ["dissolved_on", "merged_into"],
                                 batch_size=1000, default_user=self.actor)
        self.changed_ids.extend(m.pk for m in vanished)

    def _successor(self, m: Municipality) -> Municipality | None:
        """Explicit mapping first; else a new AGS with the same name in the Land (renumbered);
        else the one new municipality in the same Kreis (a merger into a new Gemeinde)."""
        if m.ags in self.mergers:
            return self.existing.get(self.mergers[m.ags])
        new = [self.existing[a] for a in self.created_ags]
        same_name = [n for n in new if n.ags[:2] == m.ags[:2]
                     and fold(base_name(n.name)) == fold(base_name(m.name))]
        if len(same_name) == 1:
            return same_name[0]
        is_kreis = m.kind == MunicipalityKind.KREIS
        same_kreis = [n for n in new if n.ags[:5] == m.ags[:5]
                      and (n.kind == MunicipalityKind.KREIS) == is_kreis]
        return same_kreis[0] if len(same_kreis) == 1 else None


def read_mergers(text: str, report: rp.Report) -> dict[str, str]:
    """A CSV "alt_ags;neu_ags" (Destatis' Gebietsänderungen reduced to two columns)."""
    table = read_table(text, report, columns={"old": {"alt_ags", "alter AGS", "old_ags"},
                                              "new": {"neu_ags", "neuer AGS", "new_ags"}},
                       required={"old", "new"})
    return {row["old"]: row["new"] for _line, row in table.rows} if table else {}
