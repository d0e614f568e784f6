"""Caching of country-wide aggregates on the pages (start page, software page).

Keys carry who is looking (public, members, or one signed-in user who may see their own
municipality's members-only usages) and the hub's data version (the newest outbox event), so
a write shows at once and no second invalidation mechanism is needed. The graph is a
projection fed by the same outbox after commit; its reads are cached under the same version
with a short lifetime, which bounds how long a read taken before the projection caught up
can be served."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

from hub import permissions, selectors


def visibility_key(user) -> str:
    """Who sees the same data: everyone, members, or a signed-in non-member together with
    the municipalities they edit now (one query), so that a revoked editor right stops
    showing that municipality's members-only usages at once, cache or not."""
    if permissions.is_member(user):
        return "members"
    if not user.is_authenticated:
        return "public"
    own = ",".join(str(pk) for pk in sorted(
        permissions.edited_municipalities(user).values_list("pk", flat=True)))
    return f"user{user.pk}:{hashlib.sha256(own.encode()).hexdigest()[:16]}"


def data_stamp() -> str:
    """One indexed query: the newest outbox event's id and time."""
    version = selectors.hub_data_version()
    return f"{version[0]}-{version[1].timestamp()}" if version else "0"


def cached(key: str, seconds: int, compute: Callable[[], Any], *,
           keep: Callable[[Any], bool] = lambda value: True) -> Any:
    """The cached value under `key`, else `compute()` stored for `seconds` when `keep(value)`
    (a failed graph read is not kept)."""
    value = cache.get(key)
    if value is None:
        value = compute()
        if keep(value):
            cache.set(key, value, seconds)
    return value
