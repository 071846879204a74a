"""Pages computed once per distinct content: the dashboards' statistics and figures are kept
per process under a digest of everything they are computed from (the counts, the
definition, the groups, the threshold), so a page whose counts have not changed is not
computed again, and a changed count always gives a new key (never a stale page)."""

from __future__ import annotations

import hashlib
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable
from typing import Any

SIZE = 64
_kept: OrderedDict[str, Any] = OrderedDict()
_lock = threading.Lock()


def canonical(value) -> str:
    """A text that is equal for equal values: dictionaries, sets and counters sorted."""
    if isinstance(value, dict | Counter):
        items = sorted((canonical(k), canonical(v)) for k, v in value.items())
        return "{" + ",".join(f"{k}:{v}" for k, v in items) + "}"
    if isinstance(value, set | frozenset):
        return "{" + ",".join(sorted(canonical(v) for v in value)) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    return repr(value)


def computed_once(parts: tuple, compute: Callable[[], Any]) -> Any:
    """``compute()``, or what it gave before for equal ``parts`` (the last ``SIZE`` kept)."""
    key = hashlib.sha256(canonical(parts).encode()).hexdigest()
    with _lock:
        if key in _kept:
            _kept.move_to_end(key)
            return _kept[key]
    value = compute()
    with _lock:
        _kept[key] = value
        while len(_kept) > SIZE:
            _kept.popitem(last=False)
    return value


def forget_all() -> None:
    """Empty the store (tests)."""
    with _lock:
        _kept.clear()
