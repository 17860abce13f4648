"""Where clients fetch a video's files.

Local storage: `/media/v/<media_key>/video.mp4` and `/poster.jpg`, served by `feed.apis.MediaApi`
after a look-up of the video: a published video's URL is stable; a draft's works only with a signed
token that expires (feed.conf: DRAFT_MEDIA_URL_SECONDS), and not while a withdrawal of consent from
someone it shows waits for its cascade, nor a restriction they added waits for generation's recheck
(ConsentPending); a deleted or removed video's URL is a 404 the
moment its row changes, even before its files are gone. The media key is 128 random bits, so no URL
is guessable. Other storages (S3): the storage's own URLs, signed and expiring (querystring_auth),
a draft's after DRAFT_MEDIA_URL_SECONDS; the bucket cannot ask about a withdrawal, so a draft's URL
lives until the consent cascade (or the recheck of a restriction) deletes its files.
"""

from __future__ import annotations

import time
from functools import cache

from django.core import signing
from django.core.files.storage import FileSystemStorage, default_storage
from django.urls import reverse

from feed.conf import conf
from feed.models import Video

FILES = {"video.mp4": ("media", "video/mp4"), "poster.jpg": ("poster", "image/jpeg")}
_SALT = "castfeed.draft-media"


def _token(media_key: str, filename: str) -> str:
    expires = int(time.time()) + conf().draft_media_url_seconds
    return signing.dumps([media_key, filename, expires], salt=_SALT)


def token_valid(token: str, media_key: str, filename: str) -> bool:
    try:
        key, name, expires = signing.loads(token, salt=_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return False
    return key == media_key and name == filename and int(expires) >= time.time()


@cache
def _url_prefix() -> str:
    """`/media/v/` as routed (reverse() costs ~50 µs; a page renders 40 URLs)."""
    return reverse("media-file", kwargs={"media_key": "KEY", "filename": "video.mp4"}).removesuffix("KEY/video.mp4")


def file_url(*, media_key: str, status: str, name: str, filename: str) -> str | None:
    """The URL a client fetches `filename` (video.mp4, poster.jpg) of a video at, or None."""
    if not name or status == Video.Status.REMOVED:
        return None
    if not isinstance(default_storage, FileSystemStorage):
        if status != Video.Status.PUBLISHED:  # a draft's URL lives no longer than on local storage
            return default_storage.url(name, expire=conf().draft_media_url_seconds)  # type: ignore[call-arg]
        return default_storage.url(name)
    url = f"{_url_prefix()}{media_key}/{filename}"
    if status != Video.Status.PUBLISHED:
        url += f"?t={_token(media_key, filename)}"
    return url
