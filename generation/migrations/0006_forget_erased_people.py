"""Others' jobs recorded before the erasure unnamed people in them (generation.services.
jobs_forget_person) still name people erased since. An id in a job's cameos, people or consent
subjects that is no account's any more is an erased person's (only an erasure deletes an account):
their subjects and cameos keep their place with no id and no handle (the one recorded next to that
id), and they leave the people. What names no id stays: a handle typed in a prompt, and a subject of
a record from before subject ids whose handle no cameo of the job gives (it may be anyone's)."""

from django.db import migrations


def _subject_ids(record, cameos):  # type: ignore[no-untyped-def]
    subjects = record.get("subjects", [])
    ids = list(record.get("subject_ids") or [])
    if len(ids) != len(subjects):
        handles = {c["handle"]: c["user_id"] for c in cameos if c.get("handle")}
        ids = [handles.get(s.get("handle")) if s.get("source") == "mention" else None for s in subjects]
    return ids


def _forgetting(record, cameos, people, gone):  # type: ignore[no-untyped-def]
    ids = _subject_ids(record, cameos)
    if gone.intersection(ids):
        subjects = [{**s, "handle": None} if p in gone else s for s, p in zip(record["subjects"], ids, strict=True)]
        record = {**record, "subjects": subjects, "subject_ids": [None if p in gone else p for p in ids]}
    cameos = [{"user_id": None, "handle": None} if c.get("user_id") in gone else c for c in cameos]
    return record, cameos, [p for p in people if p not in gone]


def forget_erased_people(apps, schema_editor):  # type: ignore[no-untyped-def]
    Job = apps.get_model("generation", "GenerationJob")
    User = apps.get_model("accounts", "User")
    jobs = Job.objects.order_by("pk").only("consent", "cameos", "people")
    last = None
    while batch := list((jobs if last is None else jobs.filter(pk__gt=last))[:2000]):
        last = batch[-1].pk
        named = {}
        for job in batch:
            job.consent, job.cameos, job.people = job.consent or {}, job.cameos or [], job.people or []
            ids = _subject_ids(job.consent, job.cameos)
            named[job.pk] = {*ids, *(c.get("user_id") for c in job.cameos), *job.people} - {None}
        everyone = set().union(*named.values())
        existing = set(User.objects.filter(pk__in=everyone).values_list("pk", flat=True))
        changed = []
        for job in batch:
            if gone := named[job.pk] - existing:
                job.consent, job.cameos, job.people = _forgetting(job.consent, job.cameos, job.people, gone)
                changed.append(job)
        Job.objects.bulk_update(changed, ["consent", "cameos", "people"])


class Migration(migrations.Migration):
    dependencies = [
        ("generation", "0005_job_rules_checked_at"),
        ("accounts", "0001_initial"),
    ]

    operations = [migrations.RunPython(forget_erased_people, migrations.RunPython.noop, elidable=True)]
