"""The one transactional outbox that feeds every projection (graph, search index).

Why signals: every write path (services, admin, imports, the shell) saves models, so
hooking `post_save` / `post_delete` / `m2m_changed` guarantees that no committed change
escapes the projections. The event row is written inside the same transaction as the
change; if the transaction rolls back, so does the event.

Consumers are named callables (settings.OUTBOX_CONSUMERS) that receive a batch of events
and must apply them idempotently. Each keeps its own cursor, so a consumer that is down
(graph engine stopped) simply falls behind and catches up later; nothing is lost and the
hub's writes never fail because of a projection.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection, models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

UPSERT = "upsert"
DELETE = "delete"
REBUILD = "rebuild"

# model label -> entity name used in events; the projections switch on these names.
TRACKED: dict[str, str] = {
    "hub.Municipality": "municipality",
    "hub.Organization": "organization",
    "hub.Membership": "membership",
    "hub.SoftwareCategory": "category",
    "hub.Software": "software",
    "hub.Service": "service",
    "hub.Usage": "usage",
    "hub.Collaboration": "collaboration",
    "hub.Contact": "contact",
}

_extra_tracked: dict[str, str] = {}


@dataclass(frozen=True)
class Event:
    id: int
    entity: str
    entity_id: int | None
    op: str
    payload: dict


def track(model_label: str, entity: str) -> None:
    """Let another app (e.g. knowledge) put its models through the same outbox."""
    _extra_tracked[model_label] = entity


def emit(entity: str, entity_id: int | None, op: str = UPSERT, payload: dict | None = None) -> None:
    from hub.models import OutboxEvent

    OutboxEvent.objects.create(entity=entity, entity_id=entity_id, op=op, payload=payload or {})
    _schedule_apply()


def emit_many(entity: str, ids: Iterable[int], op: str = UPSERT) -> int:
    """For bulk loaders that bypass model signals (bulk_create)."""
    from hub.models import OutboxEvent

    now = timezone.now()
    rows = [OutboxEvent(entity=entity, entity_id=pk, op=op, created_at=now) for pk in ids]
    OutboxEvent.objects.bulk_create(rows, batch_size=2000)
    if rows:
        _schedule_apply()
    return len(rows)


def emit_rebuild(reason: str) -> None:
    """Ask every consumer to rebuild from the database (after a bulk load or a restore)."""
    emit("all", None, REBUILD, {"reason": reason})


def _entity_for(sender: type[models.Model]) -> str | None:
    label = sender._meta.label
    return TRACKED.get(label) or _extra_tracked.get(label)


def _on_save(sender, instance, raw=False, **kwargs) -> None:
    if raw:  # fixtures loading: the restore path emits a rebuild instead
        return
    entity = _entity_for(sender)
    if entity:
        emit(entity, instance.pk, UPSERT)


def _on_delete(sender, instance, **kwargs) -> None:
    entity = _entity_for(sender)
    if entity:
        emit(entity, instance.pk, DELETE, _delete_payload(entity, instance))


def _delete_payload(entity: str, instance: models.Model) -> dict:
    """Deleted rows are gone by the time a consumer runs; keep what it needs to find them."""
    payload: dict = {}
    for field in ("ags", "slug"):
        if hasattr(instance, field):
            payload[field] = getattr(instance, field)
    return payload


def _on_m2m(sender, instance, action, **kwargs) -> None:
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    entity = _entity_for(type(instance))
    if entity:
        emit(entity, instance.pk, UPSERT)


def connect_signals() -> None:
    post_save.connect(_on_save, dispatch_uid="outbox_save")
    post_delete.connect(_on_delete, dispatch_uid="outbox_delete")
    m2m_changed.connect(_on_m2m, dispatch_uid="outbox_m2m")


def _schedule_apply() -> None:
    if not settings.OUTBOX_APPLY_ON_COMMIT or not settings.OUTBOX_CONSUMERS:
        return
    # One hook per transaction is enough: it drains everything pending.
    if any(item[1] is apply_pending for item in connection.run_on_commit):
        return
    transaction.on_commit(apply_pending)


def consumers() -> dict[str, Callable[[Sequence[Event]], None]]:
    return {path: import_string(path) for path in settings.OUTBOX_CONSUMERS}


def pending(consumer: str, limit: int = 5000) -> list[Event]:
    from hub.models import OutboxCursor, OutboxEvent

    cursor, _ = OutboxCursor.objects.get_or_create(consumer=consumer)
    rows = OutboxEvent.objects.filter(id__gt=cursor.last_event_id).order_by("id")[:limit]
    return [Event(r.id, r.entity, r.entity_id, r.op, r.payload) for r in rows]


def apply_pending(only: str | None = None, limit: int = 5000) -> dict[str, int]:
    """Drain the outbox for every consumer (or one). Returns events applied per consumer.

    A failing consumer keeps its cursor and records the error; the next call retries."""
    from hub.models import OutboxCursor

    applied: dict[str, int] = {}
    for name, fn in consumers().items():
        if only and name != only:
            continue
        applied[name] = 0
        while True:
            batch = pending(name, limit)
            if not batch:
                break
            try:
                fn(batch)
            except Exception as exc:  # noqa: BLE001 - a projection must never break a write
                logger.warning("outbox consumer %s failed: %s", name, exc)
                OutboxCursor.objects.filter(consumer=name).update(
                    last_error=str(exc)[:2000], failures=models.F("failures") + 1,
                    updated_at=timezone.now())
                break
            OutboxCursor.objects.filter(consumer=name).update(
                last_event_id=batch[-1].id, last_error="", failures=0, updated_at=timezone.now())
            applied[name] += len(batch)
            if len(batch) < limit:
                break
    return applied


def backlog() -> dict[str, dict]:
    """Per consumer: unapplied events and the age of the oldest one (for /readyz, metrics)."""
    from hub.models import OutboxCursor, OutboxEvent

    result = {}
    for name in settings.OUTBOX_CONSUMERS:
        cursor = OutboxCursor.objects.filter(consumer=name).first()
        last = cursor.last_event_id if cursor else 0
        waiting = OutboxEvent.objects.filter(id__gt=last)
        oldest = waiting.order_by("id").values_list("created_at", flat=True).first()
        result[name] = {
            "pending": waiting.count(),
            "oldest_age_seconds": (timezone.now() - oldest).total_seconds() if oldest else 0.0,
            "last_error": cursor.last_error if cursor else "",
        }
    return result


def prune(keep_days: float | None = None, *, batch: int = 5000) -> int:
    """Delete the events every configured consumer has applied and that are older than
    `keep_days` (default settings.OUTBOX_RETENTION_DAYS); the number deleted.

    The outbox is a queue, not an archive (who changed what lives in django-simple-history),
    so applied events only cost space and make `pending()` and `backlog()` slower. An event
    some consumer has not applied yet is never deleted, however old: while a consumer is down
    or has not run at all (no cursor), its events wait for it. The retention keeps recent
    events for looking into a projection problem."""
    from hub.models import OutboxCursor, OutboxEvent

    if keep_days is None:
        keep_days = settings.OUTBOX_RETENTION_DAYS
    names = list(settings.OUTBOX_CONSUMERS)
    cursors = list(OutboxCursor.objects.filter(consumer__in=names))
    if not names or len(cursors) < len(names):
        return 0
    low = min(c.last_event_id for c in cursors)
    cutoff = timezone.now() - dt.timedelta(days=keep_days)
    prunable = OutboxEvent.objects.filter(id__lte=low, created_at__lt=cutoff).order_by("id")
    deleted = 0
    while True:  # in batches: the first prune of a long-running hub may meet millions of rows
        ids = list(prunable.values_list("id", flat=True)[:batch])
        if ids:
            deleted += OutboxEvent.objects.filter(id__in=ids).delete()[0]
        if len(ids) < batch:
            break
    if deleted:
        logger.info("outbox: pruned %s applied events older than %s days", deleted, keep_days)
    return deleted


class PruneSchedule:
    """Runs `prune()` from a worker loop at most every `interval` seconds (default
    settings.OUTBOX_PRUNE_INTERVAL_SECONDS; 0 turns it off), so the long-lived outbox worker
    (`graph_sync`) keeps the table small without a daemon or timer of its own."""

    def __init__(self, interval: float | None = None) -> None:
        self.interval = settings.OUTBOX_PRUNE_INTERVAL_SECONDS if interval is None else interval
        self.next_at = 0.0

    def __call__(self, now: float | None = None) -> int | None:
        """Prune if due: the number deleted, or None when it was not due (or is off)."""
        now = time.monotonic() if now is None else now
        if self.interval <= 0 or now < self.next_at:
            return None
        self.next_at = now + self.interval
        try:
            return prune()
        except DatabaseError as exc:  # a failed clean-up must not stop the worker
            logger.warning("outbox prune failed: %s", exc)
            return None
