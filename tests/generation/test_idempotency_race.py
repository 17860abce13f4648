"""A retry with the same Idempotency-Key that arrives while the first request is still being worked
on gets the first job once that one is stored, even when the first job filled the quota or consent was
withdrawn in between; a retry of a refused request is checked again."""

from generation import services
from generation.models import GenerationJob
from moderation import consent
from moderation.models import AuditEvent

URL = "/api/v1/generations"


def decisions_at_submit() -> list[tuple[bool, str]]:
    """The audit log's submit decisions, oldest first: (allowed, the job named, "" for none); each
    job named exists."""
    rows = AuditEvent.objects.filter(kind=AuditEvent.Kind.CONSENT_DECISION, data__stage="submit").order_by("pk")
    named = [(allowed, object_id) for allowed, object_id in rows.values_list("allowed", "object_id")]
    jobs = {str(pk) for pk in GenerationJob.objects.values_list("pk", flat=True)}
    assert all(job in jobs for _, job in named if job), named  # never a job that does not exist
    return named


def test_a_retry_overtaken_by_the_first_request_gets_its_job_not_a_429(api, me, settings, monkeypatch):
    settings.CASTFEED_GENERATION = {**settings.CASTFEED_GENERATION, "CONCURRENT_JOBS": 1, "DAILY_JOBS": 100}
    body = {"prompt": "a lighthouse in a storm", "duration_s": 2}
    real_validate = services._validate
    first: list[GenerationJob] = []

    def validate_while_the_first_request_is_stored(*args, **kwargs):  # type: ignore[no-untyped-def]
        # The retry found no job with its key yet; the first request commits its job now.
        if not first:
            monkeypatch.setattr(services, "_validate", real_validate)
            first.append(services.job_submit(author=me, idempotency_key="retry-me", **body)[0])
        return real_validate(*args, **kwargs)

    monkeypatch.setattr(services, "_validate", validate_while_the_first_request_is_stored)
    retry = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="retry-me")

    assert retry.status_code == 200, retry.json()
    assert retry.json()["id"] == str(first[0].pk)
    assert GenerationJob.objects.count() == 1
    # Another request at the quota is still refused.
    other = api.post(URL, {**body, "prompt": "a lighthouse at noon"}, format="json", HTTP_IDEMPOTENCY_KEY="new")
    assert (other.status_code, other.json()["error"]) == (429, "quota_exceeded")


def test_a_retry_overtaken_by_the_first_request_gets_its_job_after_consent_was_withdrawn(
    api, me, make_user, enroll, monkeypatch, django_capture_on_commit_callbacks
):
    from cameos import services as cameos
    from cameos.models import CameoGrant
    from tests.enroll import approve

    owner = make_user("astro.owner")
    enroll(owner, "astronaut", audience="approved")
    approve(owner, me)
    body = {"prompt": "@astro.owner on a roller coaster", "duration_s": 2}
    real_validate = services._validate
    first: list[GenerationJob] = []

    def validate_while_the_first_request_is_stored_and_consent_withdrawn(*args, **kwargs):  # type: ignore[no-untyped-def]
        # The retry found no job with its key yet; the first request commits its job now, then the
        # owner revokes the grant and the cascade blocks that job.
        if not first:
            monkeypatch.setattr(services, "_validate", real_validate)
            first.append(services.job_submit(author=me, idempotency_key="retry-me", **body)[0])
            with django_capture_on_commit_callbacks(execute=True):
                cameos.grant_revoke(owner=owner, grant_id=CameoGrant.objects.get(grantee=me).pk)
        return real_validate(*args, **kwargs)

    monkeypatch.setattr(services, "_validate", validate_while_the_first_request_is_stored_and_consent_withdrawn)
    retry = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="retry-me")

    assert retry.status_code == 200, retry.json()
    assert retry.json()["id"] == str(first[0].pk)
    assert (retry.json()["status"], retry.json()["error"]["code"]) == ("blocked", "consent_withdrawn")
    assert GenerationJob.objects.count() == 1
    # The gate refused the retry, but no job was made of it: the first job's decision is the record.
    assert decisions_at_submit() == [(True, str(first[0].pk))]
    # A request that was refused stored nothing: its retry is checked as a new request.
    refused = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="refused")
    assert (refused.status_code, refused.json()["error"]) == (403, "consent_required")
    cameos.cameo_update(owner=owner, audience="everyone")
    again = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="refused")
    assert again.status_code == 202, again.json()
    assert GenerationJob.objects.count() == 2
    # The refusal is kept, naming no job (none was made).
    assert decisions_at_submit() == [(True, str(first[0].pk)), (False, ""), (True, again.json()["id"])]


def test_a_retry_whose_first_request_was_stored_after_its_gate_records_no_decision_of_its_own(api, me, monkeypatch):
    """The retry's gate allowed it, but by the time it stores its job the first request has: the
    answer is the first job, and the audit log names no job that never was."""
    body = {"prompt": "a lighthouse in a storm", "duration_s": 2}
    real_check = consent.check
    first: list[GenerationJob] = []

    def check_while_the_first_request_is_stored(*args, **kwargs):  # type: ignore[no-untyped-def]
        decision = real_check(*args, **kwargs)
        if not first:  # the retry's gate has decided; the first request stores its job now
            monkeypatch.setattr(consent, "check", real_check)
            first.append(services.job_submit(author=me, idempotency_key="retry-me", **body)[0])
        return decision

    monkeypatch.setattr(consent, "check", check_while_the_first_request_is_stored)
    retry = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="retry-me")

    assert retry.status_code == 200, retry.json()
    assert retry.json()["id"] == str(first[0].pk)
    assert GenerationJob.objects.count() == 1
    assert decisions_at_submit() == [(True, str(first[0].pk))]
