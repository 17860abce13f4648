"""How a generation job looks to clients: the one place that renders a job body and declares its
schema serializer (the views and GET /me/export render jobs through here)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accounts.models import User
from accounts.selectors import without_block_partners
from core.presenters import timestamp
from feed.presenters import VideoOutput, video_bodies
from feed.selectors import remix_sources_shown
from generation.models import GenerationJob


class JobErrorOutput(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()


def _subjects(record: dict[str, Any], people: dict[int, str]) -> list[dict[str, Any]]:
    """The stored decision's subjects, without whose they are (`subject_ids`), each named by the
    handle `people` gives them now (not as at the decision: a handle renamed since may be someone
    else's), and naming no one not in `people` (in a block with the author, erased, deactivated):
    their handle is null, as a face's. A handle that reads as nobody's (unknown_handle) stays as
    typed."""
    subjects = record.get("subjects", [])
    ids = record.get("subject_ids") or []
    if len(ids) != len(subjects):
        return subjects
    return [
        {**s, "handle": people.get(person)}
        if person is not None and s.get("handle") and s.get("reason") != "unknown_handle"
        else s
        for s, person in zip(subjects, ids, strict=True)
    ]


def job_body(
    job: GenerationJob, *, video: dict[str, Any] | None, people: dict[int, str], sources: set[int]
) -> dict[str, Any]:
    """A job as its author sees it, with its video's body (JobOutput documents the shape). Its
    cameos by the handles `people` (id → handle) has now, not as they were at submit (support may
    have renamed someone since, and their old handle be someone else's), and the handles of its
    subjects, but for the people not in `people` (erased, or in a block with the author); its
    `remix_of` only if in `sources` (feed.selectors.remix_sources_shown: a source the author may
    open)."""
    return {
        "id": str(job.pk),
        "status": job.status,
        "progress": job.progress,
        "prompt": job.prompt,
        "duration_s": job.duration_s,
        "aspect": job.aspect,
        "seed": job.seed,
        "cameos": [people[c["user_id"]] for c in job.cameos if c["user_id"] in people],
        "remix_of": job.remix_of_id if job.remix_of_id in sources else None,
        "error": {"code": job.error_code, "detail": job.error} if job.error_code else None,
        "subjects": _subjects(job.consent or {}, people),
        "video": video,
        "created_at": timestamp(job.created_at),
        "finished_at": timestamp(job.finished_at),
    }


def job_bodies(jobs: list[GenerationJob], viewer: User | None) -> list[dict[str, Any]]:
    """Bodies of these jobs, in order: their videos and the people of their cameos (by id, with their
    handles now) are looked up once for the whole list. The cameos leave out the erased, accounts
    support deactivated and anyone in a block with the viewer, and so do the handles of their
    subjects. A job names the video it remixes while the viewer may open it: published and by no one
    in a block with them, or their own draft."""
    ids = [job.video_id for job in jobs if job.video_id]
    videos = {body["id"]: body for body in video_bodies(ids, viewer)} if ids else {}
    named = {c["user_id"] for job in jobs for c in job.cameos}
    named |= {p for job in jobs for p in (job.consent or {}).get("subject_ids") or [] if p is not None}
    people: dict[int, str] = {}
    if named:  # who still exists and is in no block with the viewer (a video body shows them alike)
        shown = without_block_partners(User.objects.filter(pk__in=named, is_active=True), "pk", viewer)
        people = dict(shown.values_list("pk", "handle"))
    sources = remix_sources_shown([job.remix_of_id for job in jobs], viewer)
    return [
        job_body(job, video=videos.get(job.video_id) if job.video_id else None, people=people, sources=sources)
        for job in jobs
    ]


class JobOutput(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=GenerationJob.Status.choices)
    progress = serializers.IntegerField(help_text="0–100")
    prompt = serializers.CharField()
    duration_s = serializers.IntegerField()
    aspect = serializers.CharField()
    seed = serializers.IntegerField()
    cameos = serializers.ListField(child=serializers.CharField(), help_text="Handles of the cameos used.")
    remix_of = serializers.IntegerField(
        allow_null=True,
        help_text="The remixed video while I may open it: published, by no one in a block with me, or my own draft.",
    )
    error = JobErrorOutput(allow_null=True)
    subjects = serializers.ListField(child=serializers.DictField(), help_text="The latest consent decision.")
    video = VideoOutput(allow_null=True, help_text="When ready or published.")
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


def job_export_bodies(jobs: list[GenerationJob], author: User) -> list[dict[str, Any]]:
    """The author's jobs in their data export (GET /me/export): each as GET /generations/{id} shows it
    to them (its settings, cameos, consent decision, error and video, naming no one it would not),
    and whether an image they uploaded for it is still held (it is deleted when the job ends)."""
    bodies = job_bodies(jobs, author)
    return [{**body, "image_held": bool(job.image)} for job, body in zip(jobs, bodies, strict=True)]
