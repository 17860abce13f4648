"""Project-level promises: the schema is clean, settings are safe for production, migrations
match the models."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings.base",
    "DJANGO_DEBUG": "0",
    "SECRET_KEY": "p8Vx!2mQ#rT7wZ$kL9sN4bF6hJ1cD3gY5uE0aW8qR2tX7vB@n3Mc5Kd8",
    "DJANGO_ALLOWED_HOSTS": "castfeed.example",
}


def test_openapi_schema_has_no_warnings():
    result = manage(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--file",
        os.devnull,
        env={"DJANGO_SETTINGS_MODULE": "config.settings.test"},
    )
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr


@pytest.mark.slow  # runs `manage.py check --deploy` in a subprocess
def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_require_a_secret_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**{k: v for k, v in os.environ.items() if k != "SECRET_KEY"}, **env},
    )
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_models_and_migrations_agree():
    result = manage("makemigrations", "--check", "--dry-run", env={"DJANGO_SETTINGS_MODULE": "config.settings.test"})
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(("value", "kept"), [(None, "None"), ("none", "None"), ("30", "30"), ("0", "0")])
def test_database_connections_are_kept_for_the_life_of_the_process_unless_told(value, kept):
    # An age made every web process reconnect at the same moment under load (BENCHMARKS.md § Feed).
    env = {**PRODUCTION, "DATABASE_URL": "postgres://castfeed@127.0.0.1:5432/castfeed"}
    if value is not None:
        env["DATABASE_CONN_MAX_AGE"] = value
    code = "from django.conf import settings; print(settings.DATABASES['default']['CONN_MAX_AGE'])"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**{k: v for k, v in os.environ.items() if k != "DATABASE_CONN_MAX_AGE"}, **env},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == kept


@pytest.mark.parametrize("value", ["soon", "-5", "1.5", ""])
def test_a_bad_connection_age_stops_start_up_with_a_clear_message(value):
    result = manage("check", env={**PRODUCTION, "DATABASE_CONN_MAX_AGE": value})
    assert result.returncode != 0
    assert "DATABASE_CONN_MAX_AGE must be a number of seconds or 'none'" in result.stderr


@pytest.mark.parametrize("value", ["-0.1", "1", "2.5"])
def test_a_host_idle_share_out_of_range_stops_start_up_with_a_clear_message(value):
    # 1 or more would pause every render for good; below 0 reads as a typo, not as "off" (that is 0).
    result = manage("check", env={**PRODUCTION, "CASTFEED_WORKER_HOST_IDLE": value})
    assert result.returncode != 0
    assert "CASTFEED_WORKER_HOST_IDLE must be a share of the CPUs from 0 (never pause) to below 1" in result.stderr


def test_operators_mail_goes_where_the_environment_says():
    # mail_admins (an overdue takedown request) writes to ADMINS through EMAIL_URL's server.
    env = {
        **PRODUCTION,
        "DJANGO_ADMINS": "Ops Team <ops@castfeed.example>, oncall@castfeed.example",
        "DJANGO_SERVER_EMAIL": "castfeed@castfeed.example",
        "EMAIL_URL": "smtp+tls://mailer:s3cret@mail.castfeed.example:587",
    }
    code = (
        "from django.conf import settings as s; "
        "print(s.ADMINS, s.SERVER_EMAIL, s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS, "
        "s.EMAIL_TIMEOUT, sep='\\n')"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "[('Ops Team', 'ops@castfeed.example'), ('', 'oncall@castfeed.example')]",
        "castfeed@castfeed.example",
        "django.core.mail.backends.smtp.EmailBackend",
        "mail.castfeed.example",
        "587",
        "True",
        "10",
    ]


def settings_of(env: dict[str, str], *names: str) -> list[str]:
    """The values of these Django settings in a process started with this environment."""
    code = f"from django.conf import settings as s; print(*(getattr(s, n) for n in {names!r}), sep='\\n')"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_takedown_requesters_mail_comes_from_the_sender_the_environment_names():
    # Unset, the operators' sender; DJANGO_DEFAULT_FROM_EMAIL names another.
    env = {**PRODUCTION, "DJANGO_SERVER_EMAIL": "castfeed@castfeed.example"}
    assert settings_of(env, "DEFAULT_FROM_EMAIL") == ["castfeed@castfeed.example"]
    env["DJANGO_DEFAULT_FROM_EMAIL"] = "Castfeed takedowns <takedowns@castfeed.example>"
    assert settings_of(env, "DEFAULT_FROM_EMAIL") == ["Castfeed takedowns <takedowns@castfeed.example>"]


def test_with_no_mail_server_configured_development_prints_mail_and_production_uses_local_smtp():
    # `make run` (DJANGO_DEBUG on) on a machine with no mail server: a takedown requester's mail is
    # printed to the worker's log, not retried against a localhost:25 nobody listens on.
    assert settings_of({**PRODUCTION, "DJANGO_DEBUG": "1", "EMAIL_URL": ""}, "EMAIL_BACKEND") == [
        "django.core.mail.backends.console.EmailBackend"
    ]
    assert settings_of({**PRODUCTION, "EMAIL_URL": ""}, "EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT") == [
        "django.core.mail.backends.smtp.EmailBackend",
        "localhost",
        "25",
    ]


@pytest.mark.parametrize("value", ["ops", "ops@castfeed.example oncall@castfeed.example", "Ops <ops>"])
def test_a_bad_admins_list_stops_start_up_with_a_clear_message(value):
    result = manage("check", env={**PRODUCTION, "DJANGO_ADMINS": value})
    assert result.returncode != 0
    assert "DJANGO_ADMINS must be comma-separated email addresses" in result.stderr


def test_the_sites_public_address_is_unset_in_production_and_the_dev_servers_under_make_run():
    # Mail links a takedown requester's page (and the operators' admin page) under it.
    assert settings_of({**PRODUCTION, "CASTFEED_SITE_URL": ""}, "CASTFEED_SITE_URL") == [""]
    assert settings_of({**PRODUCTION, "DJANGO_DEBUG": "1", "CASTFEED_SITE_URL": ""}, "CASTFEED_SITE_URL") == [
        "http://127.0.0.1:8000"
    ]
    env = {**PRODUCTION, "CASTFEED_SITE_URL": "https://castfeed.example/"}  # kept without its last slash
    assert settings_of(env, "CASTFEED_SITE_URL") == ["https://castfeed.example"]


@pytest.mark.parametrize(
    "value",
    [
        "castfeed.example",  # no scheme
        "ftp://castfeed.example",
        "https://",  # no host
        "https://castfeed.example/?ref=mail",
        "https://castfeed.example/#/",
        "https://ops:secret@castfeed.example",
        "https://castfeed.example:web",
        "https://castfeed .example",
    ],
)
def test_a_bad_site_address_stops_start_up_with_a_clear_message(value):
    result = manage("check", env={**PRODUCTION, "CASTFEED_SITE_URL": value})
    assert result.returncode != 0
    assert "CASTFEED_SITE_URL must be the site's public address, an http:// or https:// URL" in result.stderr
    assert repr(value) in result.stderr
