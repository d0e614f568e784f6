"""The bulk path of the inventory import, for files of thousands to hundreds of thousands of rows
(an IT provider's inventory of all its clients).

Per row the services cost ~20 ms (validation queries, a history row, an outbox event); 400,000
rows would take hours. This path applies the same rules in memory — provenance and state
transitions come from hub.services itself, field rules from `full_clean()`, "one active usage
per product" from the row matching — and writes each chunk with simple-history's bulk helpers
and one batch of outbox events. tests/exchange/test_inventory_bulk.py runs the same files
through both paths and compares the resulting rows.

Not recorded on this path: the history snapshot of the services list (simple-history's bulk
helpers do not write many-to-many history); the usage rows' own history is recorded.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from exchange import report as rp
from exchange.bulk import emit
from exchange.inventory import (
    _Lookups,
    _Row,
    ensure_software,
    existing_usage,
    row_fields,
    show,
    usage_changes,
)
from hub import services
from hub.models import Municipality, Usage, UsageStatus
from hub.services import Actor

NOT_VALIDATED = ["municipality", "software", "operated_by", "contact", "successor", "created_by"]


def apply_rows(rows: list[_Row], *, actor: Actor, look: _Lookups, report: rp.Report,
               filename: str) -> None:
    """Validate and write one chunk of parsed rows; results go into `report`."""
    writer = _Writer(actor, look, report, filename)
    valid = []
    for row in rows:
        if row.ok:
            valid.append(row)
        else:
            report.add_row(rp.RowResult(row.line, row.product, rp.REJECTED, issues=row.issues))
    look.forget_usages()
    look.preload({row.municipality.pk for row in valid})
    for row in valid:
        writer.stage(row)
    if report.ok:
        writer.write()


class _Writer:
    def __init__(self, actor: Actor, look: _Lookups, report: rp.Report, filename: str) -> None:
        self.actor, self.look, self.report, self.filename = actor, look, report, filename
        self.user = actor if getattr(actor, "is_authenticated", False) else None
        self.now, self.today = timezone.now(), timezone.localdate()
        self.new: list[tuple[Usage, list[Any] | None]] = []
        self.changed: list[tuple[Usage, list[Any] | None]] = []
        self.fields: set[str] = set()
        self._provenance: dict[int, tuple[str, bool]] = {}

    def provenance(self, municipality: Municipality) -> tuple[str, bool]:
        """(source, confirmed) exactly as usage_create decides it, once per municipality."""
        if municipality.pk not in self._provenance:
            self._provenance[municipality.pk] = services._provenance(self.actor, municipality, None)
        return self._provenance[municipality.pk]

    def stage(self, row: _Row) -> None:
        try:
            ensure_software(row, self.actor, self.look)
            fields = row_fields(row)
            usage = existing_usage(self.look.usages(row.municipality), row.software, fields["status"])
            if usage is None:
                self._create(row, fields)
            else:
                self._update(row, usage, fields)
        except ValidationError as exc:
            self.report.add_row(rp.RowResult(row.line, row.product, rp.REJECTED,
                                             issues=row.issues + rp.issues_from_validation(exc, row=row.line)))

    def _create(self, row: _Row, fields: dict[str, Any]) -> None:
        service_list = fields.pop("services", None)
        source, own = self.provenance(row.municipality)
        usage = Usage(municipality=row.municipality, software=row.software, source=source,
                      is_confirmed=own, last_confirmed_at=self.now if own else None,
                      created_by=self.user, source_file=self.filename[:300],
                      **{k: v for k, v in fields.items() if v not in (None, "", [])})
        if usage.status == UsageStatus.RETIRED and usage.until is None:
            usage.until = self.today
        usage.full_clean(exclude=NOT_VALIDATED, validate_unique=False, validate_constraints=False)
        self.new.append((usage, service_list or None))
        self.report.add_row(rp.RowResult(row.line, row.product, rp.CREATED, issues=row.issues))

    def _update(self, row: _Row, usage: Usage, fields: dict[str, Any]) -> None:
        changes = usage_changes(usage, fields)
        if not changes:
            self.report.add_row(rp.RowResult(row.line, row.product, rp.UNCHANGED, issues=row.issues))
            return
        old_status = usage.status
        plain = {k: new for k, (_old, new) in changes.items() if k != "services"}
        for key, value in plain.items():
            setattr(usage, key, value)
        services._check_transition(old_status, usage.status)
        touched = set(plain) | {"updated_at"}
        if usage.status == UsageStatus.RETIRED and usage.until is None:
            usage.until = self.today
            touched.add("until")
        if self.provenance(row.municipality)[1]:  # the municipality's own editor confirms
            usage.is_confirmed, usage.last_confirmed_at = True, self.now
            touched |= {"is_confirmed", "last_confirmed_at"}
        usage.full_clean(exclude=NOT_VALIDATED, validate_unique=False, validate_constraints=False)
        usage.updated_at = self.now
        self.fields |= touched
        self.changed.append((usage, fields["services"] if "services" in changes else None))
        self.report.add_row(rp.RowResult(row.line, row.product, rp.UPDATED,
                                         {k: (show(a), show(b)) for k, (a, b) in changes.items()},
                                         row.issues))

    def write(self) -> None:
        through = Usage.services.through
        created = bulk_create_with_history([u for u, _s in self.new], Usage, batch_size=1000,
                                           default_user=self.user)
        links = [through(usage_id=u.pk, service_id=s.pk)
                 for u, (_orig, service_list) in zip(created, self.new, strict=True)
                 for s in service_list or []]
        if self.changed:
            bulk_update_with_history([u for u, _s in self.changed], Usage, sorted(self.fields),
                                     batch_size=1000, default_user=self.user)
            relinked = [u.pk for u, service_list in self.changed if service_list is not None]
            through.objects.filter(usage_id__in=relinked).delete()
            links += [through(usage_id=u.pk, service_id=s.pk)
                      for u, service_list in self.changed if service_list is not None
                      for s in service_list]
        through.objects.bulk_create(links, batch_size=2000)
        ids = [u.pk for u in created] + [u.pk for u, _s in self.changed]
        emit("usage", ids, f"inventory import {self.filename}")
