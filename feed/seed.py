"""Seed step for the feed: videos (sharing a few small real MP4 files), likes, views, comments and
the people shown, all with the skew of a real app: popular authors post more and get most of the
likes, most videos get few."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import numpy as np
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import CommandError
from django.utils import timezone

from core.bulk import indexes_deferred, insert_rows, next_id
from core.seeding import count, days, popularity, unique_pairs
from core.storage import delete_now
from feed import services
from feed.conf import conf
from feed.models import Comment, Like, Video, VideoPerson, View

CLIPS = 6
_COMMENTS = [
    "so good",
    "how did you make this",
    "again!",
    "the ending",
    "this is me every monday",
    "wait for it",
    "iconic",
    "underrated",
    "who else is here from the feed",
    "10/10",
]

# The words seeded videos are about: topic -> subjects. Captions and prompts come from a bounded set of
# distinct strings (DISTINCT), deterministic in the video's index (caption_and_prompt), so that search
# finds real words and each string can be embedded once.
TOPICS: dict[str, tuple[str, ...]] = {
    "cooking": (
        "pasta from scratch",
        "sourdough bread",
        "spicy ramen",
        "chocolate cake",
        "street tacos",
        "sushi rolls",
        "pancakes",
        "curry",
    ),
    "sports": (
        "basketball trick shot",
        "football goal",
        "tennis rally",
        "skateboard kickflip",
        "surfing wave",
        "marathon finish",
        "boxing training",
        "climbing wall",
    ),
    "animals": ("puppy", "cat", "parrot", "horse", "baby goat", "otter", "hamster", "golden retriever"),
    "travel": (
        "train ride",
        "hidden beach",
        "night market",
        "mountain village",
        "old town walk",
        "ferry crossing",
        "road trip",
        "desert camp",
    ),
    "music": ("guitar solo", "piano cover", "drum loop", "violin duet", "beatbox", "choir", "jazz trio", "synth jam"),
    "dance": (
        "hip hop routine",
        "ballet turn",
        "salsa couple",
        "breakdance battle",
        "tap dance",
        "kpop cover",
        "tango",
        "line dance",
    ),
    "comedy": (
        "prank",
        "sketch",
        "bad impression",
        "stand up bit",
        "awkward date",
        "office joke",
        "cat fail",
        "lip sync",
    ),
    "gaming": (
        "speedrun",
        "boss fight",
        "retro console",
        "minecraft castle",
        "racing game",
        "chess blunder",
        "esports clutch",
        "pinball",
    ),
    "art": (
        "watercolor painting",
        "charcoal portrait",
        "pottery wheel",
        "graffiti mural",
        "origami crane",
        "clay figure",
        "calligraphy",
        "stained glass",
    ),
    "science": (
        "volcano experiment",
        "rocket launch",
        "microscope slime",
        "magnet trick",
        "chemistry color change",
        "telescope moon",
        "robot arm",
        "solar panel",
    ),
    "fashion": (
        "outfit change",
        "thrift haul",
        "sneaker unboxing",
        "runway walk",
        "hair braid",
        "vintage jacket",
        "makeup look",
        "knitted sweater",
    ),
    "cars": ("vintage car", "drift", "electric car", "engine rebuild", "car wash", "motorbike", "rally car", "go kart"),
    "nature": (
        "waterfall",
        "thunderstorm",
        "northern lights",
        "forest trail",
        "sunset",
        "tide pool",
        "snowfall",
        "wildflowers",
    ),
}
SETTINGS: tuple[str, ...] = (
    "at home",
    "in the kitchen",
    "at the beach",
    "in the park",
    "in tokyo",
    "in the rain",
    "at night",
    "in slow motion",
    "with friends",
    "in the snow",
)
_STYLES = ("handheld", "cinematic", "cartoon")
_CAPTIONS = ("{subject} {setting}", "{subject} {setting} #{topic}")
_TOPIC_NAMES = tuple(TOPICS)
_COMBOS = len(_TOPIC_NAMES) * 8 * len(SETTINGS)


def caption_and_prompt(i: int) -> tuple[str, str, str]:
    """(caption, prompt, topic) of seeded video number i: deterministic, drawn from DISTINCT."""
    k = (i * 2654435761 + 12345) % 4294967291  # scatter neighbouring indexes over the vocabulary
    topic = _TOPIC_NAMES[k % len(_TOPIC_NAMES)]
    k //= len(_TOPIC_NAMES)
    subject = TOPICS[topic][k % 8]
    k //= 8
    setting = SETTINGS[k % len(SETTINGS)]
    k //= len(SETTINGS)
    caption = _CAPTIONS[k % len(_CAPTIONS)].format(subject=subject, setting=setting, topic=topic)
    k //= len(_CAPTIONS)
    prompt = f"{_STYLES[k % len(_STYLES)]} video of {subject} {setting}, {topic}"
    return caption, prompt, topic


DISTINCT: list[str] = sorted(
    {
        text
        for topic, subjects in TOPICS.items()
        for subject in subjects
        for setting in SETTINGS
        for text in (
            *(form.format(subject=subject, setting=setting, topic=topic) for form in _CAPTIONS),
            *(f"{style} video of {subject} {setting}, {topic}" for style in _STYLES),
        )
    }
)


def add_arguments(parser: Any) -> None:
    parser.add_argument("--videos", type=count, default=5000, help="published videos")
    parser.add_argument("--likes", type=count, default=50_000)
    parser.add_argument("--views", type=count, default=30_000, help="viewers' plays (40%% watched to the end)")
    parser.add_argument("--comments", type=count, default=5000)
    parser.add_argument("--days", type=days, default=90, help="videos are spread over this many past days")


def sample_clip(index: int, width: int = 144, height: int = 256, frames: int = 48, fps: int = 24) -> bytes:
    """A small real H.264 MP4: a moving colour field, different for each index."""
    import av  # worker-side library, imported where it is used

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        ys, xs = np.mgrid[0:height, 0:width]
        base = np.array([(index * 67) % 256, (index * 151) % 256, (index * 29 + 90) % 256])
        for i in range(frames):
            rgb = np.stack(
                [(xs + i * 3 + base[0]) % 256, (ys + base[1]) % 256, np.full_like(xs, base[2])], axis=-1
            ).astype(np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()


def sample_poster(index: int, width: int = 144, height: int = 256) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), ((index * 67) % 256, (index * 151) % 256, 120)).save(buffer, "JPEG")
    return buffer.getvalue()


def _files(ctx: Any) -> list[tuple[str, str]]:
    """The (clip, poster) names the seeded videos share, written now where not in storage yet: a
    storage that cannot be written stops the seed before a row is stored, and a seed that fails later
    deletes them again (ctx.undo). A seed that fails stores no rows and no files."""
    names: list[tuple[str, str]] = []
    written: list[str] = []
    ctx.undo.append(lambda: delete_now(written))
    try:
        for i in range(CLIPS):
            media, poster = f"seed/clip{i}.mp4", f"seed/poster{i}.jpg"
            for name, make in ((media, sample_clip), (poster, sample_poster)):
                if not default_storage.exists(name):
                    written.append(default_storage.save(name, ContentFile(make(i))))
            names.append((media, poster))
    except OSError as exc:  # a media folder under a file, full, or not writable
        where = exc.filename or "the media storage"
        raise CommandError(
            f"{where}: the seeded videos' clips cannot be written ({exc.strerror or exc}); nothing was stored."
        ) from exc
    return names


def run(ctx: Any) -> None:
    rng, opts = ctx.rng, ctx.options
    users, weights = ctx.data["user_ids"], ctx.data["popularity"]
    n_videos = opts["videos"]
    if not n_videos:
        return  # no video: nothing to like, view or comment on
    if not len(users):
        raise CommandError("Videos need authors: give --users more than 0.")
    now = timezone.now()
    files = _files(ctx)

    # Popular people post more: authors drawn by their popularity, flattened a little.
    author_weights = weights**0.6 / (weights**0.6).sum()
    authors = rng.choice(users, size=n_videos, p=author_weights)
    age_s = rng.uniform(0, opts["days"] * 86400, size=n_videos)
    published = [now - dt.timedelta(seconds=float(s)) for s in age_s]
    start = next_id(Video)
    video_ids = np.arange(start, start + n_videos, dtype=np.int64)
    # Video popularity: the author's pull times the video's own luck.
    video_weights = weights[np.searchsorted(users, authors)] ** 0.5 * popularity(rng, n_videos, 1.0)
    video_weights /= video_weights.sum()

    likes = unique_pairs(rng, users, video_ids, opts["likes"], video_weights)
    views = unique_pairs(rng, users, video_ids, opts["views"], video_weights)
    completed = rng.random(len(views)) < 0.4
    comment_video = rng.choice(video_ids, size=opts["comments"], p=video_weights)
    comment_author = rng.choice(users, size=opts["comments"])
    like_n = np.bincount(likes[:, 1] - start, minlength=n_videos)
    view_n = np.bincount(views[:, 1] - start, minlength=n_videos)
    done_n = np.bincount(views[completed, 1] - start, minlength=n_videos)
    comment_n = np.bincount(comment_video - start, minlength=n_videos)

    times = np.array([services.time_score(p) for p in published])
    bonus = np.where(age_s < conf().fresh_seconds, conf().boost_fresh, 0.0)
    engagement = services.engagement(likes=like_n, completed_views=done_n, comments=comment_n, remixes=0)
    hot = np.log1p(engagement) + times + bonus

    texts = [caption_and_prompt(int(v)) for v in video_ids]
    columns = {  # column: value for video i
        "id": lambda i: int(video_ids[i]),
        "author_id": lambda i: int(authors[i]),
        "status": lambda i: "published",
        "caption": lambda i: texts[i][0],
        "search_text": lambda i: texts[i][1],  # the prompt it was "made from" (feed.selectors.videos_search)
        "media_key": lambda i: f"s{video_ids[i]:x}",
        "media": lambda i: files[i % CLIPS][0],
        "poster": lambda i: files[i % CLIPS][1],
        "duration_ms": lambda i: 2000,
        "width": lambda i: 144,
        "height": lambda i: 256,
        "created_at": lambda i: published[i],
        "published_at": lambda i: published[i],
        "removed_reason": lambda i: "",
        "like_count": lambda i: int(like_n[i]),
        "comment_count": lambda i: int(comment_n[i]),
        "view_count": lambda i: int(view_n[i]),
        "completed_view_count": lambda i: int(done_n[i]),
        "remix_count": lambda i: 0,
        "time_score": lambda i: float(times[i]),
        "bonus": lambda i: float(bonus[i]),
        "hot_score": lambda i: float(hot[i]),
    }
    with indexes_deferred(Video):
        made = insert_rows(Video, list(columns), (tuple(f(i) for f in columns.values()) for i in range(n_videos)))
    ctx.log(f"videos: {made}")

    # About one video in five shows one or two people, popular people more often.
    shown = rng.random(n_videos) < 0.2
    people = unique_pairs(rng, video_ids[shown], users, int(shown.sum() * 1.3), weights)
    with indexes_deferred(VideoPerson):
        made = insert_rows(
            VideoPerson,
            ["video_id", "user_id", "author_id", "published", "hot_score"],
            ((int(v), int(u), int(authors[v - start]), True, float(hot[v - start])) for v, u in people.tolist()),
        )
    ctx.log(f"people shown: {made}")

    with indexes_deferred(Like):
        made = insert_rows(
            Like, ["user_id", "video_id", "created_at"], ((int(u), int(v), now) for u, v in likes.tolist())
        )
    ctx.log(f"likes: {made}")
    with indexes_deferred(View):
        made = insert_rows(
            View,
            ["viewer_id", "video_id", "plays", "watched_ms", "completed", "first_at", "last_at"],
            (
                (int(u), int(v), 1, 2000 if c else 700, bool(c), now, now)
                for (u, v), c in zip(views.tolist(), completed.tolist(), strict=True)
            ),
        )
    ctx.log(f"views: {made}")
    with indexes_deferred(Comment):
        made = insert_rows(
            Comment,
            ["video_id", "author_id", "text", "created_at"],
            (
                (int(v), int(a), _COMMENTS[i % len(_COMMENTS)], now)
                for i, (v, a) in enumerate(zip(comment_video.tolist(), comment_author.tolist(), strict=True))
            ),
        )
    ctx.log(f"comments: {made}")
