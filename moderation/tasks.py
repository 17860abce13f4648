"""Thin Celery entry points for moderation."""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import InterfaceError, OperationalError

from core.tasks import retrying
from moderation import services


@shared_task(
    name="moderation.consent_cascade",
    acks_late=True,
    soft_time_limit=300,
    time_limit=360,
    # What can succeed on a retry: the database unreachable or the connection lost, and a run cut short
    # by its time limit (the drafts it deleted are gone, so each run has fewer left).
    **retrying(OperationalError, InterfaceError, SoftTimeLimitExceeded, backoff_max=120, retries=5),
)
def consent_cascade(*, owner_id: int, author_ids: list[int] | None, reason: str, actor_id: int | None = None) -> int:
    """Stop what `owner_id` no longer allows these authors (None: anyone) to make: drafts deleted,
    unpublished jobs blocked (moderation.services.consent_recheck). Idempotent: a retry finds nothing
    left to stop. Returns the number of drafts deleted. (`actor_id`: support's correction; a task
    queued before it existed has none.)"""
    return len(services.consent_recheck(owner_id=owner_id, author_ids=author_ids, reason=reason, actor_id=actor_id))


@shared_task(
    name="moderation.verify_takedown",
    acks_late=True,
    soft_time_limit=300,
    time_limit=360,
    # Idempotent (a request no longer verifying is left alone). Unretried, a lost connection left the
    # request `verifying`, its videos up, until the sweep closed it as not checked in time.
    **retrying(OperationalError, InterfaceError, backoff_max=60, retries=3),
)
def verify_takedown(request_id: int) -> str | None:
    """Check a takedown selfie's liveness, match its face, hide matching published videos."""
    from moderation import takedowns

    request = takedowns.request_verify(request_id=request_id)
    return request.status if request is not None else None


@shared_task(name="moderation.expire_takedowns", acks_late=True, soft_time_limit=50, time_limit=60)
def expire_takedowns() -> int:
    """Requests stuck in `verifying` closed (returns how many), challenges that expired unanswered
    deleted, requests past their due time flagged to operators (once each), the templates of
    confirmed requests that no job under way can need any more erased."""
    from moderation import takedowns

    takedowns.challenges_expire()
    takedowns.requests_overdue()
    expired = takedowns.requests_expire()
    # Last: it searches the face index once per template, so the time limit may cut it short (the
    # templates it erased stay erased, the next run goes on); before, that left the stuck requests
    # open and the overdue ones unflagged too.
    takedowns.templates_expire()
    return expired


@shared_task(
    name="moderation.mail_takedown_overdue",
    acks_late=True,
    soft_time_limit=60,
    time_limit=90,
    **retrying(OSError, backoff_max=300, retries=5),  # a mail server down or refusing (smtplib's errors are OSErrors)
)
def mail_takedown_overdue(request_id: int) -> bool:
    """Mail the operators that a takedown request is overdue (queued once, by the run that flagged it)."""
    from moderation import takedowns

    return takedowns.overdue_mail(request_id=request_id)


@shared_task(
    name="moderation.mail_takedown_requester",
    acks_late=True,
    soft_time_limit=60,
    time_limit=90,
    **retrying(OSError, backoff_max=300, retries=5),  # a mail server down or refusing (smtplib's errors are OSErrors)
)
def mail_takedown_requester(request_id: int) -> bool:
    """Mail a takedown requester their request's status (queued after each change of it; each status
    is mailed once, however often this runs)."""
    from moderation import takedowns

    return takedowns.requester_mail(request_id=request_id)
