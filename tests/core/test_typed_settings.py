"""Typed settings (core.typed_settings): every castfeed knob is read from `CASTFEED_<APP>_<FIELD>`,
parsed to its field's type, checked at start-up, documented, and importing the settings creates
nothing on disk."""

from __future__ import annotations

import dataclasses
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from core.typed_settings import build, env_group

ROOT = Path(__file__).resolve().parent.parent.parent
APPS = ("core", "accounts", "feed", "cameos", "moderation", "generation")


def run_python(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """A fresh process of the project on the embedded default (no services) with `env` added."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("CASTFEED_") and k != "DJANGO_SETTINGS_MODULE"}
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"):
        base.pop(name, None)
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, *args],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings.base", "DJANGO_DEBUG": "1", **env},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("CASTFEED_CORE_PAGE_SIZE", "abc", "CASTFEED_CORE_PAGE_SIZE"),  # not a number
        # Each case starts Django in a process of its own: the quick loop runs the first.
        pytest.param("CASTFEED_FEED_NOPE", "1", "CASTFEED_FEED_NOPE", marks=pytest.mark.slow),  # no such setting
        pytest.param("CASTFEED_ACCOUNTS_MINIMUM_AGE", "-1", "MINIMUM_AGE", marks=pytest.mark.slow),  # out of range
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(tmp_path, variable, value, named):
    result = run_python("manage.py", "check", CASTFEED_VAR_DIR=str(tmp_path / "var"), **{variable: value})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr
    assert "System check identified no issues" not in result.stdout


@pytest.mark.slow
def test_good_values_start(tmp_path):
    result = run_python(
        "manage.py",
        "check",
        CASTFEED_VAR_DIR=str(tmp_path / "var"),
        CASTFEED_CORE_PAGE_SIZE="30",
        CASTFEED_CORE_THROTTLE_RATES='{"default": "5/second"}',
        CASTFEED_FEED_BODY_CACHE_SECONDS="0",
        CASTFEED_ACCOUNTS_RESERVED_HANDLES="admin,api",
    )

    assert result.returncode == 0, result.stderr[-3000:]


@dataclasses.dataclass(frozen=True)
class Sample:
    count: int = 1
    ratio: float = 0.5
    enabled: bool = False
    names: frozenset[str] = frozenset({"a"})
    sizes: tuple[int, ...] = (1, 2)
    rates: dict[str, str] = dataclasses.field(default_factory=lambda: {"default": "1/hour", "other": "2/hour"})


def test_environment_text_becomes_the_fields_types():
    environ = {
        "CASTFEED_SAMPLE_COUNT": "42",
        "CASTFEED_SAMPLE_RATIO": "0.25",
        "CASTFEED_SAMPLE_ENABLED": "yes",
        "CASTFEED_SAMPLE_NAMES": "admin, api ,support",
        "CASTFEED_SAMPLE_SIZES": "3,4,5",
        "CASTFEED_SAMPLE_RATES": '{"default": "9/minute"}',
        "CASTFEED_OTHER_COUNT": "7",  # another app's: not this group's
    }

    group = env_group("SAMPLE", environ)
    value = build(Sample, "CASTFEED_SAMPLE", group)

    assert set(group) == {"COUNT", "RATIO", "ENABLED", "NAMES", "SIZES", "RATES"}
    assert value.count == 42
    assert value.ratio == 0.25
    assert value.enabled is True
    assert value.names == frozenset({"admin", "api", "support"})
    assert value.sizes == (3, 4, 5)
    assert value.rates == {"default": "9/minute", "other": "2/hour"}  # merged over the default
    assert build(Sample, "CASTFEED_SAMPLE", env_group("SAMPLE", {})) == Sample()


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ({"COUNT": "many"}, "CASTFEED_SAMPLE_COUNT"),
        ({"ENABLED": "perhaps"}, "CASTFEED_SAMPLE_ENABLED"),
        ({"RATES": "not json"}, "CASTFEED_SAMPLE_RATES"),
        ({"COLOUR": "red"}, "CASTFEED_SAMPLE_COLOUR"),
    ],
)
def test_a_bad_value_is_refused_naming_it(raw, named):
    with pytest.raises(ImproperlyConfigured, match=named):
        build(Sample, "CASTFEED_SAMPLE", raw)


def test_a_settings_override_refreshes_the_typed_settings(settings):
    from core.conf import conf

    assert conf().page_size == 20
    settings.CASTFEED_CORE = {**settings.CASTFEED_CORE, "PAGE_SIZE": 7}
    assert conf().page_size == 7


def test_importing_the_settings_creates_nothing(tmp_path):
    var = tmp_path / "not-yet"
    code = "import config.settings.base as s; print(s.VAR_DIR, s.STATIC_ROOT)"

    result = run_python("-c", code, CASTFEED_VAR_DIR=str(var))

    assert result.returncode == 0, result.stderr[-3000:]
    assert str(var) in result.stdout
    assert not var.exists()
    assert list(tmp_path.iterdir()) == []


def test_start_up_makes_the_folders_the_embedded_default_needs(tmp_path):
    var = tmp_path / "var"

    result = run_python("manage.py", "check", CASTFEED_VAR_DIR=str(var))

    assert result.returncode == 0, result.stderr[-3000:]
    for folder in ("static", "celery/broker/processed", "celery/control"):
        assert (var / folder).is_dir(), folder


def conf_class(app: str) -> type:
    """The app's settings dataclass: the one dataclass `<app>/conf.py` defines."""
    module = importlib.import_module(f"{app}.conf")
    classes = [
        value
        for value in vars(module).values()
        if isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == module.__name__
    ]
    assert len(classes) == 1, f"{app}/conf.py holds {len(classes)} settings dataclasses"
    return classes[0]


@pytest.mark.parametrize("app", APPS)
def test_every_setting_is_documented(app):
    if not (ROOT / app / "conf.py").exists():
        pytest.skip(f"{app}/conf.py is not written yet")
    docs = (ROOT / "docs" / "configuration.md").read_text()

    names = [f"CASTFEED_{app.upper()}_{field.name.upper()}" for field in dataclasses.fields(conf_class(app))]
    missing = [name for name in names if f"`{name}`" not in docs]

    assert names
    assert missing == []
