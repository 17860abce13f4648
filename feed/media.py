"""Where clients fetch a video's files.

Local storage: `/media/v/<media_key>/video.mp4` and `/poster.jpg`, served by `feed.apis.MediaApi`
after a look-up of the video: a published video's URL is stable; a draft's works only with a signed
token that expires (CASTFEED_DRAFT_MEDIA_URL_SECONDS); a deleted or removed video's URL is a 404 the
moment its row changes, even before its files are gone. The media key is 128 random bits, so no URL
is guessable. Other storages (S3): the storage's own URLs, signed and expiring (querystring_auth).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core import signing
from django.core.files.storage import FileSystemStorage, default_storage
from django.urls import reverse

from feed.models import Video

FILES = {"video.mp4": ("media", "video/mp4"), "poster.jpg": ("poster", "image/jpeg")}
_SALT = "castfeed.draft-media"


def _token(video: Video, filename: str) -> str:
    expires = int(time.time()) + settings.CASTFEED_DRAFT_MEDIA_URL_SECONDS
    return signing.dumps([video.media_key, filename, expires], salt=_SALT)


def token_valid(token: str, media_key: str, filename: str) -> bool:
    try:
        key, name, expires = signing.loads(token, salt=_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return False
    return key == media_key and name == filename and int(expires) >= time.time()


def file_url(video: Video, filename: str) -> str | None:
    field, _ = FILES[filename]
    stored = getattr(video, field)
    if not stored or video.status == Video.Status.REMOVED:
        return None
    if not isinstance(default_storage, FileSystemStorage):
        return default_storage.url(stored.name)
    url = reverse("media-file", kwargs={"media_key": video.media_key, "filename": filename})
    if video.status != Video.Status.PUBLISHED:
        url += f"?t={_token(video, filename)}"
    return url
