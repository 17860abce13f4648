import pytest

from config.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_healthz_checks_database_and_broker(anon):
    response = anon.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_reports_an_unreachable_broker(anon, monkeypatch, tmp_path):
    if celery_app.conf.broker_url.startswith("filesystem"):
        options = {**celery_app.conf.broker_transport_options, "data_folder_in": str(tmp_path / "missing")}
        monkeypatch.setitem(celery_app.conf, "broker_transport_options", options)
    else:
        for key in ("broker_url", "broker_write_url"):
            monkeypatch.setitem(celery_app.conf, key, "redis://127.0.0.1:9/0")
    response = anon.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "broker": "unavailable"}


def test_healthz_is_get_only(anon):
    assert anon.post("/healthz").status_code == 405
