"""Typed settings: each app reads its knobs through one frozen dataclass (its `conf.py`).

An app declares every knob once, as a field of a frozen dataclass: its type, its default and the
comment that explains it. Its `__post_init__` checks ranges (raise ValueError). Django settings hold
only what differs from the defaults, in one dictionary per app named `CASTFEED_<APP>`, keyed by the
field's name in capitals:

- config/settings/base.py fills it from the environment: `CASTFEED_<APP>_<FIELD>` (`env_group`), so
  every knob has one environment name, under one prefix;
- tests change it with `override_settings(CASTFEED_FEED={...})`.

Strings (from the environment) are parsed to the field's type: numbers, booleans (1/0, true/false,
yes/no, on/off), paths, comma-separated lists and JSON objects. A mapping field is merged over its
default key by key. An unknown key, a value of the wrong type or out of range is an
ImproperlyConfigured naming it; every app's AppConfig.ready() reads its settings once, so a bad value
stops start-up. Reading is cached and refreshed when a test changes the setting. Importing this module,
or a conf.py, does nothing else.
"""

from __future__ import annotations

import dataclasses
import json
import os
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed

T = TypeVar("T")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_group(app: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every `CASTFEED_<APP>_<FIELD>` environment variable, as {FIELD: raw text}."""
    prefix = f"CASTFEED_{app}_"
    source = os.environ if environ is None else environ
    return {key[len(prefix) :]: value for key, value in source.items() if key.startswith(prefix)}


def loader(app: str, cls: type[T]) -> Callable[[], T]:
    """A function returning `cls` built from the Django setting `CASTFEED_<APP>` (cached; a test's
    override_settings of that name refreshes it)."""
    name = f"CASTFEED_{app}"
    cache: dict[str, T] = {}

    def get() -> T:
        if "value" not in cache:
            cache["value"] = build(cls, name, getattr(settings, name, None) or {})
        return cache["value"]

    def refresh(*, setting: str, **kwargs: Any) -> None:
        if setting == name:
            cache.clear()

    setting_changed.connect(refresh, weak=False)
    get.setting_name = name  # type: ignore[attr-defined]
    return get


def build(cls: type[T], name: str, raw: Mapping[str, Any]) -> T:
    """`cls` from the overrides `raw` (the Django setting `name`), parsed and checked."""
    if not isinstance(raw, Mapping):
        raise ImproperlyConfigured(f"{name} must be a dictionary of overrides, not {type(raw).__name__}.")
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    hints = typing.get_type_hints(cls)
    known = {field.name: field for field in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        field_name = str(key).lower()
        where = f"{name}[{key!r}] (environment {name}_{field_name.upper()})"
        if field_name not in known:
            raise ImproperlyConfigured(
                f"{where} is not a setting; known: {', '.join(sorted(k.upper() for k in known))}."
            )
        try:
            parsed = _parse(value, hints[field_name])
        except (TypeError, ValueError) as error:
            raise ImproperlyConfigured(f"{where}: {error}") from error
        if isinstance(parsed, dict):
            field = known[field_name]
            default = field.default_factory() if field.default_factory is not dataclasses.MISSING else {}
            parsed = {**default, **parsed}
        values[field_name] = parsed
    try:
        return cls(**values)
    except (TypeError, ValueError) as error:
        raise ImproperlyConfigured(f"{name}: {error}") from error


def _parse(value: Any, hint: Any) -> Any:
    """`value` as the type `hint` (scalars, X | None, tuple[...], frozenset[...], dict[...])."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if value is None or (value == "" and type(None) in typing.get_args(hint)):
            return None
        return _parse(value, options[0])
    if origin in (tuple, frozenset, list):
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if not isinstance(value, list | tuple | set | frozenset):
            raise TypeError(f"expected a list, got {value!r}")
        args = typing.get_args(hint)
        item = args[0] if args else Any
        if origin is tuple and len(args) == 2 and args[1] is not Ellipsis:
            return tuple(_parse(part, arg) for part, arg in zip(value, args, strict=True))
        items = [part if item is Any else _parse(part, item) for part in value]
        return frozenset(items) if origin is frozenset else tuple(items)
    if origin in (dict, Mapping) or hint is dict:
        if isinstance(value, str):
            value = json.loads(value)
        if not isinstance(value, Mapping):
            raise TypeError(f"expected a mapping, got {value!r}")
        args = typing.get_args(hint)
        if len(args) == 2:
            return {_parse(k, args[0]): _parse(v, args[1]) for k, v in value.items()}
        return dict(value)
    return _scalar(value, hint)


def _scalar(value: Any, hint: Any) -> Any:
    if hint is Any:
        return value
    if hint is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise TypeError(f"expected true or false, got {value!r}")
    if hint in (int, float):
        if isinstance(value, bool):
            raise TypeError(f"expected a number, got {value!r}")
        if isinstance(value, str):
            value = value.strip()
            return hint(value)  # ValueError names the text
        if isinstance(value, int) or (hint is float and isinstance(value, float)):
            return hint(value)
        raise TypeError(f"expected {hint.__name__}, got {value!r}")
    if hint is Path:
        if isinstance(value, str | os.PathLike):
            return Path(value)
        raise TypeError(f"expected a path, got {value!r}")
    if hint is str:
        if isinstance(value, str):
            return value
        raise TypeError(f"expected text, got {value!r}")
    raise TypeError(f"unsupported setting type {hint!r}")


def require(condition: bool, message: str) -> None:
    """For `__post_init__`: a ValueError with `message` unless `condition` holds."""
    if not condition:
        raise ValueError(message)
