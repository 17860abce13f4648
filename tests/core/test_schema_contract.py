"""The OpenAPI document (/api/schema/) tells the truth: Schemathesis sends generated requests, valid
and invalid, to every operation, signed in, and checks each answer against the document (documented
status code, content type, body schema, headers) and that none is a server error.

A bounded, derandomized run (a few examples per operation) so the file stays fast and reproducible;
.ci/schema.sh runs the larger check against a real server. Operations left out, and why:
- POST /api/v1/cameo (enrollment video) and POST /api/v1/takedowns (selfie video): each generated
  upload is decoded and searched for faces in the request; their error answers (400, 401, 413, 415,
  429) are the same ones every other operation is checked for here, and .ci/schema.sh covers them.
"""

import itertools
import json
import re

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient
from schemathesis.config import SchemathesisConfig

from accounts import services
from core.conf import conf
from tests.conftest import PASSWORD

CONFIG = SchemathesisConfig.from_path(".ci/schemathesis.toml")  # the same expectations as the CLI run
# Fuzzing only, a few examples per operation: the coverage phase (every boundary of every parameter,
# hundreds of requests per operation) is .ci/schema.sh's job.
CONFIG.projects.default.phases.coverage.enabled = False
SLOW_UPLOADS = ("POST /api/v1/cameo", "POST /api/v1/takedowns")
# The document /api/schema/ serves, from its generator: fetching it through the app at collection time
# would count a rate-limit hit in the database (core.throttling), which no test may touch yet.
_document = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
_loaded = schemathesis.openapi.from_dict(_document, config=CONFIG)
_loaded.app, _loaded.location = get_wsgi_application(), "/api/schema/"
schema = _loaded.exclude(name=list(SLOW_UPLOADS))
_people = itertools.count(1)


@pytest.fixture
def _generous_limits(settings):  # type: ignore[no-untyped-def]
    """Rate limits out of the way: a 429 is documented, but it would stop the other answers from
    being checked."""
    rates = dict.fromkeys(conf().throttle_rates, "100000/minute")
    settings.CASTFEED_CORE = {**settings.CASTFEED_CORE, "THROTTLE_RATES": rates}


@pytest.fixture
def _keep_connection():  # type: ignore[no-untyped-def]
    """Requests go through the WSGI app itself; like Django's test Client, keep the test's
    database connection (and its transaction) open across them."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.usefixtures("_generous_limits", "_keep_connection")
@schema.parametrize()
@settings(
    max_examples=4,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_answer_matches_the_schema(case):  # type: ignore[no-untyped-def]
    # A fresh person per example: DELETE /me and DELETE /auth/token end the session they run in.
    user = services.user_register(handle=f"contract{next(_people)}", password=PASSWORD, birthdate=None)
    case.call_and_validate(headers={"Authorization": f"Bearer {services.token_issue(user=user)}"})


def test_left_out_operations_exist_and_document_their_errors():
    """The exclusion names real operations, and their error answers are in the error shape."""
    for name in SLOW_UPLOADS:
        method, path = name.split(" ")
        responses = schema.raw_schema["paths"][path][method.lower()]["responses"]
        for code in ("400", "401", "413", "415", "429"):
            assert responses[code]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def _request_body(path: str, method: str = "post") -> dict:
    ref = _document["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    return _document["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]


# Handles around every edge of the rule (API.md: 3–30 of a-z 0-9 _ ., either case, not ending in a dot).
HANDLES = ["abc", "a" * 30, "Sam.Smith_2", "ab", "a" * 31, "sam.", "no spaces", "émile", "sam-smith"]


@pytest.mark.django_db
@pytest.mark.usefixtures("_generous_limits")
@pytest.mark.parametrize("handle", HANDLES)
def test_registration_refuses_the_handles_the_schema_refuses(handle):
    """Clients build their sign-up form from the document: a handle its pattern and lengths allow is
    registered, and one they refuse is a 400 naming the handle."""
    schema_handle = _request_body("/api/v1/auth/register")["handle"]
    assert (schema_handle["minLength"], schema_handle["maxLength"]) == (3, 30)
    allowed = bool(re.search(schema_handle["pattern"], handle)) and 3 <= len(handle) <= 30
    response = APIClient().post("/api/v1/auth/register", {"handle": handle, "password": PASSWORD}, format="json")
    assert response.status_code == (201 if allowed else 400), response.json()
    if not allowed:
        assert response.json()["error"] == "invalid" and list(response.json()["fields"]) == ["handle"]


@pytest.mark.django_db
@pytest.mark.usefixtures("_generous_limits")
@pytest.mark.parametrize(
    ("password", "refusal"),
    [
        ("eight-ch", None),
        ("short-7", "This password is too short. It must contain at least 8 characters."),
        ("83920571", "This password is entirely numeric."),
    ],
)
def test_registration_refuses_the_passwords_the_schema_refuses(password, refusal):
    """The shortest password and the all-digits one, which the sign-up form and a new password in the
    profile refuse before sending: the schema's length and pattern are the server's rules."""
    for path, method in (("/api/v1/auth/register", "post"), ("/api/v1/me", "patch")):
        schema_password = _request_body(path, method)["password"]
        allowed = len(password) >= schema_password["minLength"] and bool(
            re.search(schema_password["pattern"], password)
        )
        assert allowed == (refusal is None), path
    response = APIClient().post("/api/v1/auth/register", {"handle": "newcomer", "password": password}, format="json")
    if refusal is None:
        assert response.status_code == 201, response.json()
    else:
        assert response.status_code == 400
        assert response.json()["fields"] == {"password": [refusal]}


@pytest.mark.django_db
@pytest.mark.usefixtures("_generous_limits")
@pytest.mark.parametrize("birthdate", ["1990-05-17", "1900-01-01", "1899-12-31", "0495-01-21"])
def test_registration_refuses_the_birthdates_the_schema_refuses(birthdate):
    """A birthdate before 1900 is refused by the schema as by the server (the rules that move with the
    day, not in the future and the minimum age, are the server's alone)."""
    for path, method in (("/api/v1/auth/register", "post"), ("/api/v1/me", "patch")):
        schema_birthdate = _request_body(path, method)["birthdate"]
        assert bool(re.search(schema_birthdate["pattern"], birthdate)) == (birthdate >= "1900"), path
    body = {"handle": "newcomer", "password": PASSWORD, "birthdate": birthdate}
    response = APIClient().post("/api/v1/auth/register", body, format="json")
    if birthdate >= "1900":
        assert response.status_code == 201, response.json()
    else:
        assert response.status_code == 400
        assert response.json()["fields"] == {"birthdate": ["Enter your real date of birth."]}
