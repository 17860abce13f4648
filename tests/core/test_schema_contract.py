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

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
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
