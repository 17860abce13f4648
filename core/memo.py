"""A small process-local cache with a time-to-live and a size bound (LRU).

For data every request reads and that may be a few seconds stale (the rendered body of a popular
video). Nothing that decides access goes through it: callers fetch who may see what fresh from the
database and only use this for how it looks.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from typing import Any

_instances: weakref.WeakSet[TTLCache] = weakref.WeakSet()


def clear_all() -> None:
    """Empty every process-local cache (tests start from nothing)."""
    for instance in list(_instances):
        instance.clear()


class TTLCache:
    def __init__(self, *, ttl: float, max_items: int) -> None:
        self.ttl, self.max_items = ttl, max_items
        self._items: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        _instances.add(self)

    def get_many(self, keys: Iterable[Hashable]) -> dict[Hashable, Any]:
        now, found = time.monotonic(), {}
        with self._lock:
            for key in keys:
                entry = self._items.get(key)
                if entry is not None and entry[0] > now:
                    self._items.move_to_end(key)
                    found[key] = entry[1]
        return found

    def set_many(self, values: dict[Hashable, Any]) -> None:
        expires = time.monotonic() + self.ttl
        with self._lock:
            for key, value in values.items():
                self._items[key] = (expires, value)
                self._items.move_to_end(key)
            while len(self._items) > self.max_items:
                self._items.popitem(last=False)

    def discard(self, keys: Iterable[Hashable]) -> None:
        with self._lock:
            for key in keys:
                self._items.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
