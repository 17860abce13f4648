"""Faults put into real code for a test: a call that fails once, as a lost database connection or a
task's time limit would make it fail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class FailsOnce:
    """`function`, but its `at`-th call raises `error` instead. `calls`: how many calls it had."""

    def __init__(self, function: Callable[..., Any], error: BaseException, *, at: int = 1) -> None:
        self.function, self.error, self.at, self.calls = function, error, at, 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        if self.calls == self.at:
            raise self.error
        return self.function(*args, **kwargs)
