"""The service catalogue: OZG Themenfelder and Lebenslagen, OZG-Leistungen and LeiKa-Leistungen,
in the CSV layout of KDN's OZG-Datenbank NRW export (see README, "Leistungskatalog").

Three files, recognised by their header and applied in dependency order:
- Themenfelder/Lebenslagen: `themenfeld_id, themenfeld, lebenslage_id, lebenslage`
- OZG-Leistungen: `ozg_id, ozg_leistung, lebenslage, themenfeld`
- LeiKa-Leistungen: `leika_schluessel, leistung, typisierung, ozg_id, ozg_leistung`

LeiKa rows whose key reads "nicht im LeiKa" are kept — as keyless services under their OZG-
Leistung, identified by (name, OZG id) — not rejected. Re-imports update names, Typisierung and
links; all-or-nothing over the files given together.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_noop

from exchange import report as rp
from exchange.bulk import Upsert, emit
from exchange.text import decode, fold, read_table, squash
from hub import errors
from hub.models import Lebenslage, Service, ServiceKind, Themenfeld
from hub.services import Actor

NOT_IN_LEIKA = "nicht im leika"

THEMEN_COLUMNS = {"themenfeld_id": {"Themenfeld-Nr"}, "themenfeld": {"Themenfeld"},
                  "lebenslage_id": {"Lebenslage-Nr"}, "lebenslage": {"Lebenslage"}}
OZG_COLUMNS = {"ozg_id": {"OZG-ID", "ozg"}, "ozg_leistung": {"OZG-Leistung", "name"},
               "lebenslage": {"Lebenslage"}, "themenfeld": {"Themenfeld"}}
LEIKA_COLUMNS = {"leika_schluessel": {"LeiKa-Schlüssel", "leika_key", "Schlüssel"},
                 "leistung": {"Leistung", "name"}, "typisierung": {"Typisierung"},
                 "ozg_id": {"OZG-ID"}, "ozg_leistung": {"OZG-Leistung"}}
KINDS = [("themen", THEMEN_COLUMNS), ("ozg", OZG_COLUMNS), ("leika", LEIKA_COLUMNS)]


def detect(header_line: str) -> str | None:
    keys = {squash(c) for c in header_line.replace(";", ",").split(",")}
    if {"themenfeldid", "lebenslageid"} <= keys:
        return "themen"
    if "leikaschluessel" in keys or "leikakey" in keys:
        return "leika"
    if {"ozgid", "ozgleistung", "lebenslage"} <= keys:
        return "ozg"
    return None


def import_services(*, actor: Actor, files: Iterable[tuple[str, bytes]],
                    dry_run: bool = False) -> rp.Report:
    """Import any of the three catalogue files (together: in dependency order)."""
    names = []
    texts: dict[str, tuple[str, str]] = {}
    report = rp.Report("", dry_run=dry_run, keep_rows=False)
    for name, data in files:
        names.append(name)
        decoded = decode(data, report)
        if decoded is None:
            continue
        kind = detect(decoded.text.split("\n", 1)[0])
        if kind is None:
            report.error(rp.INVALID_FORMAT, gettext_noop(
                "%(file)s: unbekanntes Format; erwartet werden die Spalten des OZG-/LeiKa-"
                "Katalogs (siehe README)."), file=name)
            continue
        texts[kind] = (name, decoded.text)
    report.source = ", ".join(names)
    if not report.ok:
        return report
    with transaction.atomic():
        ids: list[int] = []
        for kind, columns in KINDS:
            if kind in texts:
                name, text = texts[kind]
                table = read_table(text, report, columns=columns, required=set(columns) - {"typisierung"})
                if table is None:
                    break
                ids += {"themen": _themen, "ozg": _ozg, "leika": _leika}[kind](table.rows, report, actor)
            if not report.ok:
                break
        if report.ok and not dry_run:
            emit("service", ids, f"import_services {report.source}")
            report.applied = True
        else:
            transaction.set_rollback(True)
    return report


def _themen(rows: list[tuple[int, dict[str, str]]], report: rp.Report, actor: Actor) -> list[int]:
    felder = {t.number: t for t in Themenfeld.objects.all()}
    lagen = {lage.number: lage for lage in Lebenslage.objects.all()}
    for line, row in rows:
        try:
            tf_no, ll_no = int(row["themenfeld_id"]), int(row["lebenslage_id"])
        except ValueError:
            report.add_row(rp.RowResult(line, row["themenfeld_id"], rp.REJECTED, issues=[rp.Issue(
                errors.INVALID, gettext_noop("Themenfeld- und Lebenslagen-Nummer müssen Zahlen sein."),
                {}, line, "themenfeld_id")]))
            continue
        felder[tf_no] = _upsert_simple(Themenfeld, felder.get(tf_no), {"number": tf_no, "name": row["themenfeld"]}, report, line)
        lagen[ll_no] = _upsert_simple(Lebenslage, lagen.get(ll_no), {
            "number": ll_no, "name": row["lebenslage"], "themenfeld": felder[tf_no]}, report, line)
    return []


def _upsert_simple(model: Any, current: Any, values: dict[str, Any], report: rp.Report, line: int) -> Any:
    """Themenfelder and Lebenslagen: a few dozen rows, no history; saved one by one."""
    if current is None:
        obj = model.objects.create(**values)
        report.count(rp.CREATED)
        obj._seen = True
        return obj
    changes = {k: (getattr(current, k), v) for k, v in values.items() if getattr(current, k) != v}
    if changes:
        for k, (_old, v) in changes.items():
            setattr(current, k, v)
        current.save()
        report.add_row(rp.RowResult(line, str(values["number"]), rp.UPDATED,
                                    {k: (str(a), str(b)) for k, (a, b) in changes.items()}))
    elif not getattr(current, "_seen", False):
        report.count(rp.UNCHANGED)
    current._seen = True
    return current


def _ozg(rows: list[tuple[int, dict[str, str]]], report: rp.Report, actor: Actor) -> list[int]:
    felder = {fold(t.name): t for t in Themenfeld.objects.all()}
    lagen = {(fold(ll.name), ll.themenfeld_id): ll for ll in Lebenslage.objects.all()}
    existing = {s.ozg_id: s for s in Service.objects.filter(kind=ServiceKind.OZG)}
    up = Upsert(Service, report, fk_fields=["themenfeld", "lebenslage", "ozg_service"])
    seen: set[str] = set()
    for line, row in rows:
        ozg_id, problems = row["ozg_id"], []
        feld = felder.get(fold(row["themenfeld"]))
        lage = lagen.get((fold(row["lebenslage"]), feld.pk)) if feld else None
        if feld is None:
            problems.append(_unknown(line, "themenfeld", row["themenfeld"], gettext_noop("Themenfeld")))
        elif lage is None:
            problems.append(_unknown(line, "lebenslage", row["lebenslage"], gettext_noop("Lebenslage")))
        if ozg_id in seen:
            problems.append(rp.Issue(errors.DUPLICATE, gettext_noop("OZG-ID %(id)s kommt doppelt vor."),
                                     {"id": ozg_id}, line, "ozg_id"))
        if problems:
            report.add_row(rp.RowResult(line, ozg_id, rp.REJECTED, issues=problems))
            continue
        seen.add(ozg_id)
        up.put(ozg_id, existing.get(ozg_id), {
            "kind": ServiceKind.OZG, "ozg_id": ozg_id, "name": row["ozg_leistung"],
            "themenfeld": feld, "lebenslage": lage}, row=line, label=ozg_id)
    return up.write(actor) if report.ok else []


def _leika(rows: list[tuple[int, dict[str, str]]], report: rp.Report, actor: Actor) -> list[int]:
    ozg = {s.ozg_id: s for s in Service.objects.filter(kind=ServiceKind.OZG)}
    leika = Service.objects.filter(kind=ServiceKind.LEIKA)
    by_key = {s.leika_key: s for s in leika if s.leika_key}
    keyless = {(fold(s.name), s.ozg_id): s for s in leika if not s.leika_key}
    up = Upsert(Service, report, fk_fields=["themenfeld", "lebenslage", "ozg_service"])
    seen: dict[Any, int] = {}
    for line, row in rows:
        key = row["leika_schluessel"].replace(" ", "")
        ozg_id = row["ozg_id"]
        parent = ozg.get(ozg_id) if ozg_id else None
        if ozg_id and parent is None:
            report.add_row(rp.RowResult(line, key, rp.REJECTED, issues=[_unknown(
                line, "ozg_id", ozg_id, gettext_noop("OZG-Leistung"))]))
            continue
        in_leika = fold(row["leika_schluessel"]) != NOT_IN_LEIKA
        identity = key if in_leika else (fold(row["leistung"]), ozg_id)
        if identity in seen:
            if in_leika:
                report.add_row(rp.RowResult(line, key, rp.REJECTED, issues=[rp.Issue(
                    errors.DUPLICATE, gettext_noop("LeiKa-Schlüssel %(key)s kommt doppelt vor (zuerst in Zeile %(first)s)."),
                    {"key": key, "first": seen[identity]}, line, "leika_schluessel")]))
            else:
                report.count(rp.UNCHANGED)
                report.warn(errors.DUPLICATE, gettext_noop(
                    "„%(name)s“ (nicht im LeiKa) steht doppelt in der Datei (zuerst in Zeile %(first)s); einmal übernommen."),
                    row=line, field="leistung", name=row["leistung"], first=seen[identity])
            continue
        seen[identity] = line
        if not in_leika and not ozg_id:
            report.warn(rp.UNMATCHED, gettext_noop(
                "„%(name)s“ hat weder LeiKa-Schlüssel noch OZG-ID; übernommen, aber keiner OZG-Leistung zugeordnet."),
                row=line, field="ozg_id", name=row["leistung"])
        current = by_key.get(key) if in_leika else keyless.get(identity)
        up.put(identity, current, {
            "kind": ServiceKind.LEIKA, "leika_key": key if in_leika else None,
            "name": row["leistung"], "typisierung": row.get("typisierung", ""), "ozg_id": ozg_id,
            # Themenfeld and Lebenslage live on the OZG-Leistung (as in the demo loader).
            "ozg_service": parent, "themenfeld": None, "lebenslage": None,
        }, row=line, label=key if in_leika else row["leistung"])
    return up.write(actor) if report.ok else []


def _unknown(line: int, column: str, value: str, what: str) -> rp.Issue:
    return rp.Issue(rp.UNMATCHED, gettext_noop("%(what)s „%(value)s“ ist unbekannt."),
                    {"what": rp.Term(what), "value": value}, line, column)
