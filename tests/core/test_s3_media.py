"""Media on S3 storage, against a real S3-compatible server (moto in server mode on loopback:
`.ci/services.sh start` runs it and exports CASTFEED_TEST_S3_ENDPOINT). Each test gets a fresh bucket
and the production storage settings (config.settings.base.s3_storage), then goes through the API as a
person would: a generated video's files land in the bucket, the URLs clients get are signed (a draft's
for feed.conf's DRAFT_MEDIA_URL_SECONDS) and serve the bytes and byte ranges from the server, and every
path that deletes media leaves none of it in the bucket.

moto does not check presigned URLs (it serves a URL with a stale or no signature), so a refusal after
expiry cannot be seen here; what is asserted instead is that the URL's expiry and date are inside a
SigV4 signature by the configured secret, recomputed below from AWS's specification (not by botocore),
so nobody without the secret can extend or forge one; S3 refuses it once X-Amz-Date + X-Amz-Expires
has passed."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cameos.models import Appearance, Cameo, EnrollmentChallenge
from cameos.selectors import reference_images_of
from config.settings.base import s3_storage
from feed import services as feed_services
from feed.models import Video
from moderation import takedowns
from moderation.models import TakedownRequest
from tests.cameos import videos
from tests.enroll import finish_enrollment, random_template
from tests.moderation.test_takedowns import challenge as takedown_challenge
from tests.moderation.test_takedowns import submit as takedown_submit
from tests.moderation.test_takedowns import with_face

pytestmark = [pytest.mark.s3, pytest.mark.django_db]

ENDPOINT = os.environ.get("CASTFEED_TEST_S3_ENDPOINT", "").rstrip("/")
REGION, ACCESS_KEY, SECRET_KEY = "us-east-1", "castfeed-test", "castfeed-test-secret"
PUBLISHED_SECONDS, DRAFT_SECONDS = 3600, 30


@dataclass
class Bucket:
    client: Any
    name: str

    def names(self) -> set[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return {item["Key"] for page in pages for item in page.get("Contents", [])}

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()


@pytest.fixture
def bucket(settings) -> Iterator[Bucket]:  # type: ignore[no-untyped-def]
    """A fresh private bucket on the server, and default_storage switched to it (override_settings
    resets the cached storage backends on STORAGES' change, and again when the test ends)."""
    client = boto3.client(
        "s3",
        endpoint_url=ENDPOINT,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )
    made = Bucket(client, f"castfeed-{uuid.uuid4().hex[:20]}")
    client.create_bucket(Bucket=made.name)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage(
            bucket=made.name,
            endpoint_url=ENDPOINT,
            region=REGION,
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
            addressing_style="path",
            expire_seconds=PUBLISHED_SECONDS,
        ),
    }
    settings.CASTFEED_FEED = {**settings.CASTFEED_FEED, "DRAFT_MEDIA_URL_SECONDS": DRAFT_SECONDS}
    assert default_storage.__class__.__name__ == "S3Storage"  # the lazy default re-made from STORAGES
    yield made
    for key in made.names():
        client.delete_object(Bucket=made.name, Key=key)
    client.delete_bucket(Bucket=made.name)


def fetch(url: str, **headers: str) -> tuple[int, str, bytes]:
    """GET `url` from the server as a browser would (no credentials but the URL's own): the status,
    the Content-Type and the body."""
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (an http:// URL under test)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def fetch_range(url: str, first: int, last: int | None) -> tuple[int, str, bytes]:
    """A byte-range GET, as a video player seeks: the status, the Content-Range and the body."""
    request = urllib.request.Request(url, headers={"Range": f"bytes={first}-{'' if last is None else last}"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return response.status, response.headers.get("Content-Range", ""), response.read()


def query(url: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query, keep_blank_values=True))


def signed_by(url: str, secret: str) -> bool:
    """Whether `url` carries a valid SigV4 query signature (a presigned GET) by `secret`, recomputed
    from the specification: the method, path, every other query parameter (the expiry and the date
    among them) and the host are what is signed."""
    parts = urllib.parse.urlsplit(url)
    params = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    fields = dict(params)
    if fields.get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" or fields.get("X-Amz-SignedHeaders") != "host":
        return False

    def enc(text: str) -> str:
        return urllib.parse.quote(text, safe="-_.~")

    canonical_query = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(params) if k != "X-Amz-Signature")
    canonical = "\n".join(["GET", parts.path, canonical_query, f"host:{parts.netloc}\n", "host", "UNSIGNED-PAYLOAD"])
    scope = fields["X-Amz-Credential"].split("/", 1)[1]  # date/region/s3/aws4_request
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", fields["X-Amz-Date"], scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = f"AWS4{secret}".encode()
    for part in scope.split("/"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.compare_digest(hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest(), fields["X-Amz-Signature"])


def assert_signed(url: str, *, key: str, bucket: Bucket, seconds: int) -> None:
    """A presigned URL of this object on the server, valid from now for `seconds`, unforgeable."""
    assert url.split("?", maxsplit=1)[0] == f"{ENDPOINT}/{bucket.name}/{key}"
    fields = query(url)
    assert fields["X-Amz-Expires"] == str(seconds)
    signed_at = dt.datetime.strptime(fields["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    assert abs((timezone.now() - signed_at).total_seconds()) < 120
    assert signed_by(url, SECRET_KEY)
    longer = url.replace(f"X-Amz-Expires={seconds}", "X-Amz-Expires=604800")
    assert not signed_by(longer, SECRET_KEY)  # extending the lifetime breaks the signature
    assert not signed_by(url, "another-secret")


def assert_serves(url: str, data: bytes, content_type: str) -> None:
    """The URL serves exactly `data` from the server, and byte ranges of it (206) for seeking."""
    assert fetch(url) == (200, content_type, data)
    assert fetch_range(url, 0, 99) == (206, f"bytes 0-99/{len(data)}", data[:100])
    assert fetch_range(url, 100, None) == (206, f"bytes 100-{len(data) - 1}/{len(data)}", data[100:])


def files_of(video: Video) -> set[str]:
    return {video.media.name, video.poster.name}


# --- uploads, signed URLs, byte ranges -------------------------------------------------------------


def test_a_draft_and_then_the_published_video_are_served_from_the_bucket_at_signed_urls(
    api, me, anon, make_video, bucket
):
    video = make_video(me, publish=False)  # a real H.264 clip and JPEG poster (the seed's encoder)
    assert bucket.names() == files_of(video)  # both files in the bucket, nothing else
    mp4, jpeg = bucket.read(video.media.name), bucket.read(video.poster.name)
    assert mp4[4:8] == b"ftyp" and jpeg.startswith(b"\xff\xd8") and len(mp4) > 200

    # The draft: signed URLs that live DRAFT_MEDIA_URL_SECONDS, not the published lifetime.
    draft = api.get(f"/api/v1/videos/{video.pk}").json()
    assert draft["status"] == "draft"
    assert_signed(draft["media_url"], key=video.media.name, bucket=bucket, seconds=DRAFT_SECONDS)
    assert_signed(draft["poster_url"], key=video.poster.name, bucket=bucket, seconds=DRAFT_SECONDS)
    assert_serves(draft["media_url"], mp4, "video/mp4")
    assert fetch(draft["poster_url"])[1:] == ("image/jpeg", jpeg)
    assert anon.get(f"/api/v1/videos/{video.pk}").status_code == 404  # nobody else gets a URL

    feed_services.video_publish(video=video)
    body = anon.get(f"/api/v1/videos/{video.pk}").json()
    assert_signed(body["media_url"], key=video.media.name, bucket=bucket, seconds=PUBLISHED_SECONDS)
    assert_serves(body["media_url"], mp4, "video/mp4")
    assert bucket.names() == files_of(video)


# --- every deletion path leaves nothing in the bucket ----------------------------------------------


def test_a_video_deleted_by_its_author_or_by_a_person_in_it_leaves_no_object(
    api, me, other, client_of, make_video, bucket, django_capture_on_commit_callbacks
):
    mine = make_video(me, publish=False)
    of_me = make_video(other, people=(me,))
    Appearance.objects.create(video=of_me, user=me, source="tagged")
    kept = make_video(other)
    assert bucket.names() == files_of(mine) | files_of(of_me) | files_of(kept)
    old_url = api.get(f"/api/v1/videos/{mine.pk}").json()["media_url"]
    assert fetch(old_url)[0] == 200

    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/api/v1/videos/{mine.pk}").status_code == 204
    assert bucket.names() == files_of(of_me) | files_of(kept)
    assert fetch(old_url)[0] == 404  # a URL handed out before is dead with the object

    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/api/v1/cameo/appearances/{of_me.pk}").status_code == 204
    assert bucket.names() == files_of(kept)
    assert fetch(client_of(other).get(f"/api/v1/videos/{kept.pk}").json()["media_url"])[0] == 200


def test_a_takedown_deletes_the_selfie_once_verified_keeps_files_for_review_then_removes_them(
    anon, make_user, make_video, bucket, django_capture_on_commit_callbacks
):
    uploader = make_user("uploader")
    of_her = with_face(make_video(uploader), "astronaut")
    kept = make_video(uploader)
    response = takedown_submit(
        anon, videos.video(), takedown_challenge(anon), capture=django_capture_on_commit_callbacks
    )
    assert response.status_code == 202, response.content
    request = TakedownRequest.objects.get(tracking=response.json()["tracking"])
    of_her.refresh_from_db()
    assert of_her.status == Video.Status.REMOVED  # hidden: its files kept for the reviewer
    assert bucket.names() == files_of(of_her) | files_of(kept)  # the selfie is gone once verified

    with django_capture_on_commit_callbacks(execute=True):
        takedowns.request_confirm(request_id=request.pk, reviewer=make_user("reviewer"))
    assert bucket.names() == files_of(kept)


def test_an_enrollment_upload_goes_after_verification_and_the_cameo_crops_with_the_cameo(
    api, me, other, make_video, bucket, django_capture_on_commit_callbacks
):
    upload = videos.video()
    with django_capture_on_commit_callbacks(execute=True):
        challenge = api.post("/api/v1/cameo/challenges").json()["id"]
        EnrollmentChallenge.objects.filter(pk=challenge).update(steps=list(videos.STEPS))  # acted out
        file = SimpleUploadedFile("selfie.mp4", upload, content_type="video/mp4")
        response = api.post("/api/v1/cameo", {"video": file, "challenge": challenge}, format="multipart")
    assert response.status_code == 202, response.content
    assert api.get("/api/v1/cameo").json()["status"] == "active"
    cameo = Cameo.objects.get(owner=me)
    crops = set(cameo.reference_names)
    assert crops and bucket.names() == crops  # the selfie is gone; only the encrypted crops stay
    assert all(not bucket.read(k).startswith(b"\xff\xd8") for k in crops)  # not readable at rest
    # Read back from S3 and decrypted, as the generation worker reads them.
    assert all(crop.startswith(b"\xff\xd8") for crop in reference_images_of([cameo.pk])[cameo.pk])

    of_me = make_video(other, people=(me,))
    kept = make_video(other)
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete("/api/v1/cameo?appearances=delete").status_code == 204
    assert bucket.names() == files_of(kept)
    assert not Video.objects.filter(pk=of_me.pk).exists()


def test_erasing_an_account_removes_every_object_of_theirs(
    api, me, other, make_video, bucket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        finish_enrollment(me, template=random_template(4242), photo="astronaut")
    crops = set(Cameo.objects.get(owner=me).reference_names)
    mine = [make_video(me), make_video(me, publish=False)]
    theirs = make_video(other)
    remix = make_video(other, remix_of=mine[0])
    assert crops and bucket.names() == crops | files_of(theirs) | files_of(remix) | {
        name for video in mine for name in files_of(video)
    }

    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete("/api/v1/me").status_code == 204
    assert bucket.names() == files_of(theirs) | files_of(remix)
