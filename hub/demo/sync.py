"""Idempotent bulk upsert by natural key, and the small helpers every loader shares.

Why not `update_or_create`: the municipality and service catalogues hold ~17,000 rows, and one
query per row would take minutes. Instead a loader reads the existing rows once, creates the
missing ones with `bulk_create`, updates only the rows whose values differ with `bulk_update`,
and leaves identical rows untouched, so a second run writes (almost) nothing.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import connection, models
from django.utils import timezone
from simple_history.models import HistoricalRecords
from simple_history.utils import get_history_manager_for_model

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
BATCH_SIZE = 1000

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue",
                          "ß": "ss"})


def read_csv(*, name: str) -> list[dict[str, str]]:
    """Rows of a CSV file shipped in hub/data (never read from outside the project)."""
    with (DATA_DIR / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def german_slug(*, text: str, max_length: int = 100) -> str:
    """A URL slug that keeps German words readable ("Südwestfalen" → "suedwestfalen")."""
    ascii_text = unicodedata.normalize("NFKD", text.translate(_UMLAUTS))
    ascii_text = ascii_text.encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug[:max_length].rstrip("-") or "x"


def unique_slugs(*, names: Iterable[str], max_length: int = 100) -> dict[str, str]:
    """Slug per name, numbered on collision; the order of `names` decides who gets the plain one."""
    result: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        base = german_slug(text=name, max_length=max_length - 3)
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        taken.add(slug)
        result[name] = slug
    return result


def upsert(
    *,
    queryset: models.QuerySet,
    rows: Iterable[dict[str, Any]],
    key: Callable[[Any], Hashable],
    fields: list[str],
) -> dict[Hashable, Any]:
    """Bring `queryset` in line with `rows` (dicts of field values, foreign keys as `*_id`),
    matched by `key`.

    `key` must read both the dicts and the model instances (see `field_key`). Only `fields`
    are compared and updated; other values in a row are set on new rows only (e.g. a
    confirmation time that must not move on every run). Rows of the queryset missing from
    `rows` are left alone; callers that own a whole slice (demo usages) prune it themselves.
    Returns key → instance (with its pk).
    """
    model = queryset.model
    existing = {key(obj): obj for obj in queryset}
    to_create: list[models.Model] = []
    to_update: list[models.Model] = []
    result: dict[Hashable, Any] = {}
    for row in rows:
        k = key(row)
        obj = existing.get(k)
        if obj is None:
            obj = model(**row)
            to_create.append(obj)
        elif _apply(obj, row, fields):
            to_update.append(obj)
        result[k] = obj
    model.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    if to_update:
        update_fields = list(fields)
        if any(f.name == "updated_at" for f in model._meta.fields):
            now = timezone.now()
            for obj in to_update:
                obj.updated_at = now
            update_fields.append("updated_at")
        model.objects.bulk_update(to_update, update_fields, batch_size=BATCH_SIZE)
    return result


def _apply(obj: models.Model, row: dict[str, Any], fields: list[str]) -> bool:
    changed = False
    for name in fields:
        if getattr(obj, name) != row[name]:
            setattr(obj, name, row[name])
            changed = True
    return changed


def field_key(*names: str) -> Callable[[Any], Hashable]:
    """Natural key reader that works on both row dicts and model instances."""

    def read(item: Any) -> Hashable:
        if isinstance(item, dict):
            values = tuple(item.get(n) for n in names)
        else:
            values = tuple(getattr(item, n) for n in names)
        return values[0] if len(values) == 1 else values

    return read


def save_changed(*, model: type[models.Model], lookup: dict[str, Any],
                 values: dict[str, Any]) -> models.Model:
    """`update_or_create` that saves only when something changed, so re-running a loader
    writes no history rows and no outbox events for records that are already right."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **values)
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    if changed:
        obj.save()
    return obj


def record_initial_history(*, reason: str, app_label: str = "hub") -> dict[str, int]:
    """Give every row of the app's history-tracked models that has no django-simple-history
    record yet its initial one ("+", now, `reason`, no user), with its many-to-many values;
    returns rows recorded per model.

    Why: bulk_create bypasses the signals history relies on, so a bulk-loaded object's
    history page would be empty. simple-history's own bulk_create_with_history builds every
    record through the ORM and made load_demo six times slower; one INSERT … SELECT per table
    costs well under a second for the demo data and a few seconds for 450,000 usages. Rows
    that already have a record (saved through services, or recorded by an earlier load) are
    left alone, so a second load adds nothing."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    counts: dict[str, int] = {}
    with connection.cursor() as cursor:
        for model in apps.get_app_config(app_label).get_models():
            if not hasattr(model._meta, "simple_history_manager_attribute"):
                continue
            history = get_history_manager_for_model(model).model
            counts[model.__name__] = _insert_history(cursor, model, history, now, reason)
            for field in history._history_m2m_fields:
                _insert_m2m_history(cursor, model, history, field, now, reason)
    return counts


def _insert_history(cursor: Any, model: type[models.Model], history: type[models.Model],
                    now: Any, reason: str) -> int:
    q = connection.ops.quote_name
    pk = q(model._meta.pk.column)
    columns = ", ".join(q(f.column) for f in history.tracked_fields)
    cursor.execute(
        f"INSERT INTO {q(history._meta.db_table)} ({columns}, history_date, "
        f"history_change_reason, history_type, history_user_id) "
        f"SELECT {columns}, %s, %s, '+', NULL FROM {q(model._meta.db_table)} t "
        f"WHERE NOT EXISTS (SELECT 1 FROM {q(history._meta.db_table)} h WHERE h.{pk} = t.{pk})",
        [now, reason])
    return cursor.rowcount


def _insert_m2m_history(cursor: Any, model: type[models.Model], history: type[models.Model],
                        field: models.ManyToManyField, now: Any, reason: str) -> None:
    """The many-to-many rows of the records `_insert_history` has just written."""
    q = connection.ops.quote_name
    through = model._meta.get_field(field.name).remote_field.through
    m2m_history = HistoricalRecords.m2m_models[field]
    columns = [f.column for f in through._meta.concrete_fields]
    owner = model._meta.get_field(field.name).m2m_column_name()
    cursor.execute(
        f"INSERT INTO {q(m2m_history._meta.db_table)} "
        f"({', '.join(q(c) for c in columns)}, history_id) "
        f"SELECT {', '.join('t.' + q(c) for c in columns)}, h.history_id "
        f"FROM {q(through._meta.db_table)} t JOIN {q(history._meta.db_table)} h "
        f"ON h.{q(model._meta.pk.column)} = t.{q(owner)} "
        f"WHERE h.history_date = %s AND h.history_change_reason = %s AND h.history_type = '+'",
        [now, reason])
