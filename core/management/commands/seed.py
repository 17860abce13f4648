"""`manage.py seed`: a realistic data set, fast (bulk inserts), built by every app in turn, in one
transaction.

Each app may ship a `seed` module with `add_arguments(parser)` and `run(ctx)`; they run in
INSTALLED_APPS order (accounts before feed before cameos...), sharing `ctx`, so later apps build
on the users and follows the earlier ones made.
"""

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np
from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.seeding import count


@dataclass
class SeedContext:
    options: dict[str, Any]
    rng: np.random.Generator
    log: Any
    data: dict[str, Any] = field(default_factory=dict)  # what earlier steps made, by name
    undo: list[Callable[[], Any]] = field(default_factory=list)  # taking away what a step stored outside the database


def _seed_modules() -> list[ModuleType]:
    modules = []
    for config in apps.get_app_configs():
        try:
            modules.append(importlib.import_module(f"{config.name}.seed"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.seed":
                raise
    return modules


class Command(BaseCommand):
    help = "Fill the database with a realistic, skewed data set (users, follows, blocks, and more)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--seed", type=count, default=42, help="random seed (the data set is reproducible)")
        for module in _seed_modules():
            module.add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        def log(message: str) -> None:
            self.stdout.write(message)
            self.stdout.flush()

        ctx = SeedContext(options=options, rng=np.random.default_rng(options["seed"]), log=log)
        started = time.perf_counter()
        try:
            with transaction.atomic():  # all or nothing: a step that fails leaves no earlier step's rows
                for module in _seed_modules():
                    step = time.perf_counter()
                    module.run(ctx)
                    log(f"{module.__name__}: {time.perf_counter() - step:.1f}s")
        except BaseException as exc:
            for undo in reversed(ctx.undo):  # the files a step wrote (feed: the shared clips)
                undo()
            if isinstance(exc, MemoryError):  # sizes the arguments allow, but not this machine (--users 1000000000)
                raise CommandError(
                    "Not enough memory for these sizes; nothing was stored. "
                    "Ask for fewer (--users, --follows, --likes, ...)."
                ) from exc
            raise
        log(f"seeded in {time.perf_counter() - started:.1f}s")
