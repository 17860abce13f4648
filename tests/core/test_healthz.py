from types import SimpleNamespace

import pytest

from config.celery import app as celery_app
from core import views

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def broker_not_checked_yet(monkeypatch):
    monkeypatch.setattr(views, "_broker_last", {})


def broker_unreachable(monkeypatch, tmp_path):
    if celery_app.conf.broker_url.startswith("filesystem"):
        options = {**celery_app.conf.broker_transport_options, "data_folder_in": str(tmp_path / "missing")}
        monkeypatch.setitem(celery_app.conf, "broker_transport_options", options)
    else:
        for key in ("broker_url", "broker_write_url"):
            monkeypatch.setitem(celery_app.conf, key, "redis://127.0.0.1:9/0")


def test_healthz_checks_database_and_broker(anon):
    response = anon.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_reports_an_unreachable_broker(anon, monkeypatch, tmp_path):
    broker_unreachable(monkeypatch, tmp_path)
    response = anon.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "broker": "unavailable"}


def test_healthz_is_get_only(anon):
    assert anon.post("/healthz").status_code == 405


def test_a_flood_of_healthz_asks_the_broker_once_a_second(anon, monkeypatch, tmp_path):
    """/healthz is never refused; each call opened a broker connection. Now one a second a process,
    and a broker lost is reported once that second has passed. The clock is the test's: however
    slowly the requests run, the second passes only when the test says so."""
    now = [1000.0]
    monkeypatch.setattr(views, "time", SimpleNamespace(monotonic=lambda: now[0]))
    asked = []
    real = views._ask_broker
    monkeypatch.setattr(views, "_ask_broker", lambda: asked.append(1) or real())
    for _ in range(20):
        assert anon.get("/healthz").status_code == 200
    assert len(asked) == 1

    broker_unreachable(monkeypatch, tmp_path)
    now[0] += 0.9
    assert anon.get("/healthz").status_code == 200  # the answer of a moment ago
    now[0] += 0.2
    response = anon.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "unavailable"
    assert len(asked) == 2
