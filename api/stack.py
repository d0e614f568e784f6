"""Run GraphQL execution with headroom on CPython's frame stack.

Why: CPython 3.11 keeps Python frames in 16 KB chunks and frees a chunk as soon as the
call that opened it returns (python/cpython#142183, fixed only in later versions). GraphQL
execution recurses a few dozen frames deep and then calls thousands of resolvers at the same
depth; when a chunk boundary happens to lie at that depth, every one of those calls maps and
unmaps a chunk. Measured here on a page of 100 municipalities with ~2,000 usages: 130 ms of
CPU normally, 270-570 ms when the request starts at an unlucky stack depth (which depends on
the WSGI server and the middleware in front of the view).

`call` enters a function whose frame is too large for the current chunk, so CPython opens a
fresh 128 KB chunk for it, and runs the execution from there: about 70 KB of room above it,
far more than the deepest query the depth limit allows needs, so no boundary is crossed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

# 7,200 local slots (57.6 KB) + CPython's 8 KB minimum overhead exceed 64 KB, so the chunk
# opened for this frame is 128 KB.
_LOCALS = 7_200
_SOURCE = (
    "def _call(fn, args, kwargs, _never=False):\n"
    "    if _never:\n"
    "        " + " = ".join(f"v{i}" for i in range(_LOCALS)) + " = None\n"
    "    return fn(*args, **kwargs)\n"
)
_namespace: dict[str, Any] = {}
exec(compile(_SOURCE, __name__, "exec"), _namespace)  # noqa: S102 - generated, constant source
_call = _namespace["_call"]


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """fn(*args, **kwargs), run from a frame with a large, fresh stack chunk above it."""
    return _call(fn, args, kwargs)
