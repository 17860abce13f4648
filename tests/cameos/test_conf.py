"""cameos' typed settings (cameos/conf.py): every knob under CASTFEED_CAMEOS_<FIELD>, checked at
start-up, and one source for the restriction limits that the API and the service both apply."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from cameos.conf import CameosSettings, conf
from cameos.models import Cameo
from core.typed_settings import build, env_group
from tests.core.test_typed_settings import run_python

CAMEO = "/api/v1/cameo"


def test_the_environment_names_reach_their_fields():
    environ = {
        "CASTFEED_CAMEOS_MATCH_THRESHOLD": "0.55",
        "CASTFEED_CAMEOS_TRACK_MIN_FRAMES": "6",
        "CASTFEED_CAMEOS_CODECS": "h264, vp9",
        "CASTFEED_CAMEOS_RULES": '{"hold_s": 0.4, "reference_crops": 3}',
        "CASTFEED_CAMEOS_CROP_KEYS": "new-key,old-key",
        "CASTFEED_CAMEOS_RESTRICTION_MAX_ITEMS": "12",
    }

    knobs = build(CameosSettings, "CASTFEED_CAMEOS", env_group("CAMEOS", environ))

    assert (knobs.match_threshold, knobs.track_min_frames) == (0.55, 6)
    assert knobs.codecs == ("h264", "vp9")
    assert knobs.rules == {"hold_s": 0.4, "reference_crops": 3}
    assert knobs.crop_keys == ("new-key", "old-key")
    assert (knobs.restriction_max_items, knobs.restriction_max_length) == (12, 80)
    assert build(CameosSettings, "CASTFEED_CAMEOS", {}) == CameosSettings()


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ({"MATCH_THRESHOLD": "1.5"}, "MATCH_THRESHOLD"),  # a cosine is at most 1
        ({"REVEAL_DRAFT_THRESHOLD": -2}, "REVEAL_DRAFT_THRESHOLD"),
        ({"TRACK_MIN_FRAMES": "0"}, "TRACK_MIN_FRAMES"),
        ({"RESTRICTION_MAX_LENGTH": 0}, "RESTRICTION_MAX_LENGTH"),
        ({"MIN_SECONDS": 20}, "MIN_SECONDS"),  # longer than MAX_SECONDS
        ({"CODECS": ""}, "CODECS"),
        ({"RULES": '{"hold_s": "long"}'}, "RULES"),
        ({"FACE_MATCH_THRESHOLD": "0.5"}, "FACE_MATCH_THRESHOLD"),  # the old name is no setting
    ],
)
def test_a_bad_value_is_refused_naming_it(raw, named):
    with pytest.raises(ImproperlyConfigured, match=named):
        build(CameosSettings, "CASTFEED_CAMEOS", raw)


@pytest.mark.slow
def test_a_bad_value_in_the_environment_stops_start_up(tmp_path):
    result = run_python("manage.py", "check", CASTFEED_VAR_DIR=str(tmp_path / "var"), CASTFEED_CAMEOS_EF_SEARCH="0")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "EF_SEARCH" in result.stderr


def test_an_override_reaches_the_running_code(settings):
    assert conf().reveal_margin == 0.1
    settings.CASTFEED_CAMEOS = {**settings.CASTFEED_CAMEOS, "REVEAL_MARGIN": "0.2"}
    assert conf().reveal_margin == 0.2


def test_the_api_takes_restrictions_as_long_and_as_many_as_the_settings_allow(api, me, activate_cameo, settings):
    # Before, the serializer had limits of its own (200 characters, 50 items) that disagreed with
    # the service's (80, 10): raised settings still got a 400 from the serializer.
    activate_cameo(me)
    settings.CASTFEED_CAMEOS = {**settings.CASTFEED_CAMEOS, "RESTRICTION_MAX_LENGTH": 250, "RESTRICTION_MAX_ITEMS": 60}
    long_one = "never " + "x" * 214
    many = [f"rule number {i}" for i in range(55)]

    assert api.patch(CAMEO, {"restrictions": [long_one]}, format="json").status_code == 200
    assert Cameo.objects.get(owner=me).restrictions == [long_one]
    assert api.patch(CAMEO, {"restrictions": many}, format="json").status_code == 200
    assert Cameo.objects.get(owner=me).restrictions == many


def test_the_api_refuses_restrictions_beyond_the_settings_in_the_error_shape(api, me, activate_cameo, settings):
    activate_cameo(me)
    settings.CASTFEED_CAMEOS = {**settings.CASTFEED_CAMEOS, "RESTRICTION_MAX_LENGTH": 20, "RESTRICTION_MAX_ITEMS": 2}

    for restrictions in (["x" * 21], ["one rule", "two rules", "three rules"]):
        response = api.patch(CAMEO, {"restrictions": restrictions}, format="json")
        assert response.status_code == 400
        assert response.json()["error"] == "invalid" and "restrictions" in response.json()["fields"]
    assert Cameo.objects.get(owner=me).restrictions == []
