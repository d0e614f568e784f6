"""Full JSON backup of the hub and restore into an empty database (`manage.py backup FILE`,
`manage.py restore FILE`).

Everything of every installed app is written — domain data, users, groups, object permissions,
history, exchange data, and the models of apps added later — except what the target database
recreates itself (content types, permissions), sessions and the outbox (after a restore the
projections are rebuilt from the restored data: one `rebuild` event).

Why Django's serializers with natural keys (as `dumpdata --natural-foreign --natural-primary`):
content type and permission ids differ between databases, and users and groups are found by
name. Primary keys of everything else are kept, so references stay valid. Restore saves raw
(no signals: no history rows or outbox events for the restored rows themselves), inserts
many-to-many rows directly, resets the PostgreSQL sequences and runs in one transaction:
either the whole backup is restored or nothing.

The file holds personal data and password hashes: it is written readable by its owner only.
`.gz` file names are gzip-compressed.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import os
from collections import Counter, defaultdict
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext_noop

from exchange import report as rp
from hub import outbox


class _Encoder(DjangoJSONEncoder):
    """Like Django's, but datetimes keep their microseconds (Django's cuts them to ms)."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


FORMAT = "kommunalhub-backup"
VERSION = 1
EXCLUDED = {"contenttypes.contenttype", "auth.permission", "sessions.session",
            "hub.outboxevent", "hub.outboxcursor"}
# Rows the target may already have after `migrate`; matched by natural key, not a conflict.
MERGEABLE = {"auth.group"}
CHUNK = 2000


def backup_models() -> list[type[models.Model]]:
    """Every concrete model of every app, natural-key dependencies first."""
    app_list = []
    for config in apps.get_app_configs():
        chosen = [m for m in config.get_models()
                  if m._meta.label_lower not in EXCLUDED and not m._meta.proxy and m._meta.managed]
        if chosen:
            app_list.append((config, chosen))
    return serializers.sort_dependencies(app_list, allow_cycles=True)


def _open(path: Path, mode: str) -> IO[str]:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, mode.replace("t", "") + "b"), encoding="utf-8")
    return path.open(mode, encoding="utf-8")


def _applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = defaultdict(list)
    for app, name in MigrationRecorder(connection).applied_migrations():
        applied[app].append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


def _objects(model: type[models.Model]) -> Iterator[dict[str, Any]]:
    m2m = [f.name for f in model._meta.many_to_many if f.remote_field.through._meta.auto_created]
    qs = model._default_manager.order_by("pk")
    if m2m:
        qs = qs.prefetch_related(*m2m)
    iterator = qs.iterator(chunk_size=CHUNK)
    while chunk := list(islice(iterator, CHUNK)):
        yield from serializers.serialize("python", chunk, use_natural_foreign_keys=True,
                                         use_natural_primary_keys=True)


def backup(*, path: Path) -> dict[str, int]:
    """Write the backup; returns rows per model."""
    counts: dict[str, int] = {}
    path.parent.mkdir(parents=True, exist_ok=True)
    with _open(path, "wt") as out:
        os.chmod(path, 0o600)
        meta = {"format": FORMAT, "version": VERSION,
                "created_at": timezone.now().isoformat(timespec="seconds"),
                "database": connection.vendor, "migrations": _applied_migrations()}
        out.write("{\n" + json.dumps("meta") + ": " + json.dumps(meta) + ",\n\"objects\": [")
        first = True
        outermost = not connection.in_atomic_block
        with transaction.atomic():  # one consistent snapshot (repeatable read on PostgreSQL)
            if connection.vendor == "postgresql" and outermost:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            for model in backup_models():
                n = 0
                for obj in _objects(model):
                    out.write(("\n" if first else ",\n") + json.dumps(obj, cls=_Encoder,
                                                                      ensure_ascii=False))
                    first = False
                    n += 1
                counts[model._meta.label_lower] = n
        out.write("\n],\n\"counts\": " + json.dumps(counts) + "\n}\n")
    return counts


def restore(*, path: Path, progress: bool = False) -> rp.Report:
    """Restore a backup into an empty database. Refuses a non-empty one or a backup from a
    schema the database has not migrated to."""
    report = rp.Report(str(path))
    try:
        with _open(path, "rt") as handle:
            data = json.load(handle)
    except (OSError, ValueError, EOFError) as exc:
        report.error(rp.INVALID_FORMAT, gettext_noop("Die Sicherung ist nicht lesbar: %(error)s"),
                     error=str(exc)[:300])
        return report
    meta = data.get("meta") if isinstance(data, dict) else None
    if not meta or meta.get("format") != FORMAT or meta.get("version") != VERSION:
        report.error(rp.INVALID_FORMAT, gettext_noop(
            "Keine Kommunalhub-Sicherung (Format %(format)s, Version %(version)s erwartet)."),
            format=FORMAT, version=VERSION)
        return report
    if not _compatible(meta, report) or not _empty(report):
        return report
    with transaction.atomic():
        counts = _load(data.get("objects", []), progress)
        _reset_sequences()
        outbox.emit_rebuild("restore")
    for label, n in sorted(counts.items()):
        report.add_row(rp.RowResult(None, label, rp.CREATED, {"rows": (0, n)}))
    report.counts = Counter({rp.CREATED: sum(counts.values())})
    report.applied = True
    return report


def _compatible(meta: dict[str, Any], report: rp.Report) -> bool:
    here = _applied_migrations()
    missing = [f"{app}.{name}" for app, names in meta.get("migrations", {}).items()
               for name in names if name not in set(here.get(app, []))]
    if missing:
        report.error(rp.INCOMPATIBLE, gettext_noop(
            "Die Sicherung stammt aus einer neueren Version: diese Datenbank kennt %(count)s "
            "Migrationen nicht (z. B. %(example)s). Erst den Code aktualisieren und "
            "„migrate“ ausführen."), count=len(missing), example=missing[0])
        return False
    return True


def _empty(report: rp.Report) -> bool:
    filled = {m._meta.label_lower: m._default_manager.count() for m in backup_models()
              if m._meta.label_lower not in MERGEABLE and m._default_manager.exists()}
    if filled:
        report.error(rp.NOT_EMPTY, gettext_noop(
            "Die Datenbank ist nicht leer (%(tables)s). Wiederherstellen nur in eine frisch "
            "migrierte, leere Datenbank."),
            tables=", ".join(f"{k}: {v}" for k, v in sorted(filled.items())[:6]))
        return False
    return True


def _load(objects: list[dict[str, Any]], progress: bool) -> Counter:
    counts: Counter = Counter()
    through_rows: dict[type[models.Model], list[models.Model]] = defaultdict(list)
    deferred = []
    stream = rp.progress(objects, total=len(objects), desc="restore", enabled=progress)
    for item in serializers.deserialize("python", stream, handle_forward_references=True,
                                        ignorenonexistent=True):
        m2m = dict(item.m2m_data or {})
        item.save(save_m2m=False)
        counts[item.object._meta.label_lower] += 1
        for name, values in m2m.items():
            field = item.object._meta.get_field(name)
            through = field.remote_field.through
            source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
            through_rows[through].extend(
                through(**{f"{source}_id": item.object.pk, f"{target}_id": pk}) for pk in values)
        if item.deferred_fields:
            deferred.append(item)
    for item in deferred:
        item.save_deferred_fields()
    for through, rows in through_rows.items():
        through.objects.bulk_create(rows, batch_size=CHUNK)
    return counts


def _reset_sequences() -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), backup_models())
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
