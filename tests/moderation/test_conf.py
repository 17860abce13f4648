"""moderation's typed settings (moderation/conf.py): every knob under CASTFEED_MODERATION_<FIELD>,
checked at start-up; the one prompt limit, MAX_PROMPT_CHARS, that the consent preflight applies."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from core.typed_settings import build, env_group
from moderation.conf import ModerationSettings, conf
from moderation.models import AuditEvent

URL = "/api/v1/consent/check"


def test_the_environment_names_reach_their_fields():
    environ = {
        "CASTFEED_MODERATION_MAX_PROMPT_CHARS": "1500",
        "CASTFEED_MODERATION_REFUSE_UNKNOWN_FACES": "off",
        "CASTFEED_MODERATION_REGISTRY_POLL_S": "0",
        "CASTFEED_MODERATION_TAKEDOWN_PER_EMAIL": "10/day",
        "CASTFEED_MODERATION_TAKEDOWN_TEMPLATE_KEEP_HOURS": "6",
        "CASTFEED_MODERATION_SEMANTIC_THRESHOLD": "0.45",
    }

    knobs = build(ModerationSettings, "CASTFEED_MODERATION", env_group("MODERATION", environ))

    assert knobs.max_prompt_chars == 1500 and knobs.refuse_unknown_faces is False
    assert knobs.registry_poll_s == 0.0 and knobs.takedown_per_email == "10/day"
    assert knobs.semantic_threshold == 0.45 and knobs.takedown_template_keep_hours == 6
    assert build(ModerationSettings, "CASTFEED_MODERATION", {}) == ModerationSettings()


def test_the_test_settings_read_the_registry_every_time():
    assert conf().registry_poll_s == 0.0  # config/settings/test.py, given as text like the environment


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ({"MAX_PROMPT_CHARS": "0"}, "MAX_PROMPT_CHARS"),
        ({"MAX_CAMEOS": -1}, "MAX_CAMEOS"),
        ({"MAX_ALIASES": "0"}, "MAX_ALIASES"),
        ({"REGISTRY_CSV_MAX_BYTES": "0"}, "REGISTRY_CSV_MAX_BYTES"),
        ({"DESCRIPTION_THRESHOLD": "2"}, "DESCRIPTION_THRESHOLD"),
        ({"KNOWN_FOR_SPECIFIC": "1.5"}, "KNOWN_FOR_SPECIFIC"),
        ({"REGISTRY_POLL_S": "-1"}, "REGISTRY_POLL_S"),
        ({"TAKEDOWN_PER_EMAIL": "often"}, "TAKEDOWN_PER_EMAIL"),
        ({"TAKEDOWN_TEMPLATE_KEEP_HOURS": "0"}, "TAKEDOWN_TEMPLATE_KEEP_HOURS must be positive"),
        ({"REFUSE_UNKNOWN_FACES": "perhaps"}, "REFUSE_UNKNOWN_FACES"),
        ({"PER_EMAIL": "5/day"}, "PER_EMAIL"),  # the old name is no setting
    ],
)
def test_a_bad_value_is_refused_naming_it(raw, named):
    with pytest.raises(ImproperlyConfigured, match=named):
        build(ModerationSettings, "CASTFEED_MODERATION", raw)


def test_the_preflight_refuses_a_prompt_over_the_one_limit_in_the_error_shape(api):
    # Before, the preflight took up to 2,000 characters while a submit took 1,000.
    response = api.post(URL, {"prompt": "a cat on a boat " + "x" * 990}, format="json")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid" and "prompt" in response.json()["fields"]
    assert not AuditEvent.objects.exists()
    assert api.post(URL, {"prompt": "a cat on a boat"}, format="json").status_code == 200


def test_the_preflight_follows_the_setting(api, settings):
    settings.CASTFEED_MODERATION = {**settings.CASTFEED_MODERATION, "MAX_PROMPT_CHARS": "3000"}

    response = api.post(URL, {"prompt": "a cat on a boat " + "x" * 2400}, format="json")

    assert response.status_code == 200
