"""The bulk write path shared by the catalogue importers.

Thousands of rows through the per-object services would take minutes and write thousands of
outbox events; this path keeps what the services guarantee — `full_clean()` on every row,
history records (simple-history's bulk helpers) and outbox events in the same transaction —
while writing in batches.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from exchange import report as rp
from hub import outbox
from hub.services import Actor

REBUILD_ABOVE = 2000


@dataclass
class Upsert:
    """Collects new and changed instances of one model, validated, then writes them."""

    model: type[models.Model]
    report: rp.Report
    fk_fields: list[str] = field(default_factory=list)
    new: list[models.Model] = field(default_factory=list)
    changed: list[models.Model] = field(default_factory=list)
    fields: set[str] = field(default_factory=set)

    def put(self, key: Hashable, current: models.Model | None, values: dict[str, Any],
            *, row: int | None, label: str = "") -> models.Model | None:
        """Stage `values` for the row `key`; returns the (unsaved) instance or None if invalid."""
        if current is None:
            instance = self.model(**values)
            if self._valid(instance, row, label or str(key)):
                self.new.append(instance)
                return instance
            return None
        changes = {k: (self._current(current, k), v) for k, v in values.items()
                   if not same(self._current(current, k), v)}
        if not changes:
            self.report.count(rp.UNCHANGED)
            return current
        for k, (_old, v) in changes.items():
            setattr(current, k, v)
        if not self._valid(current, row, label or str(key)):
            return None
        self.changed.append(current)
        self.fields.update(changes)
        self.report.add_row(rp.RowResult(row, label or str(key), rp.UPDATED,
                                         {k: (plain(a), plain(b)) for k, (a, b) in changes.items()}))
        return current

    def _current(self, instance: models.Model, name: str) -> Any:
        """Foreign keys compare by id, without loading the related row (one query per row)."""
        field = self.model._meta.get_field(name)
        if field.many_to_one:
            cached = field.get_cached_value(instance, None)
            return cached if cached is not None else _Ref(getattr(instance, field.attname))
        return getattr(instance, name)

    def _valid(self, instance: models.Model, row: int | None, label: str) -> bool:
        try:
            instance.full_clean(exclude=self.fk_fields, validate_unique=False,
                                validate_constraints=False)
        except ValidationError as exc:
            self.report.add_row(rp.RowResult(row, label, rp.REJECTED,
                                             issues=rp.issues_from_validation(exc, row=row)))
            return False
        return True

    def write(self, actor: Actor) -> list[int]:
        user = actor if getattr(actor, "is_authenticated", False) else None
        created = bulk_create_with_history(self.new, self.model, batch_size=1000, default_user=user)
        self.report.count(rp.CREATED, len(created))
        if self.changed:
            bulk_update_with_history(self.changed, self.model, sorted(self.fields),
                                     batch_size=1000, default_user=user)
        ids = [o.pk for o in created] + [o.pk for o in self.changed]
        self.new, self.changed = list(created), []
        return ids


def emit(entity: str, ids: list[int], reason: str) -> None:
    """One event per changed row, or one rebuild when that would flood the outbox."""
    if len(ids) > REBUILD_ABOVE:
        outbox.emit_rebuild(reason)
    elif ids:
        outbox.emit_many(entity, ids)


@dataclass(frozen=True)
class _Ref:
    """A foreign key seen only by its id."""

    pk: int | None

    def __str__(self) -> str:
        return str(self.pk)


def same(old: Any, new: Any) -> bool:
    if isinstance(old, models.Model | _Ref) or isinstance(new, models.Model | _Ref):
        return getattr(old, "pk", None) == getattr(new, "pk", None)
    if old is None or new is None:
        return (old in (None, "")) and (new in (None, ""))
    if isinstance(old, float | Decimal) or isinstance(new, float | Decimal):
        return abs(Decimal(str(old)) - Decimal(str(new))) < Decimal("1e-7")
    return old == new


def plain(value: Any) -> Any:
    if isinstance(value, models.Model | _Ref):
        return str(value)
    return value


def index(qs: models.QuerySet, key: Callable[[Any], Hashable]) -> dict[Hashable, Any]:
    return {key(o): o for o in qs}
