"""`manage.py seed` makes a skewed, consistent data set that people can sign in to."""

import io
import signal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.models import Count, F
from django.test import Client

from accounts.models import Block, Follow, User
from accounts.seed import SEED_PASSWORD
from feed import services
from feed.models import Comment, Like, Video, VideoPerson, View

pytestmark = pytest.mark.django_db


def test_seed_makes_a_realistic_graph(anon):
    call_command(
        "seed",
        users=400,
        follows=6000,
        blocks=20,
        videos=300,
        likes=3000,
        views=2000,
        comments=500,
        stdout=io.StringIO(),
    )
    assert User.objects.count() == 400
    assert Block.objects.count() == 20
    follows = Follow.objects.count()
    assert 5800 <= follows <= 6000  # follows across a block are dropped
    assert not Follow.objects.filter(follower=F("followee")).exists()
    for block in Block.objects.all():
        assert not Follow.objects.filter(follower=block.blocker_id, followee=block.blocked_id).exists()
        assert not Follow.objects.filter(follower=block.blocked_id, followee=block.blocker_id).exists()
    counts = sorted(Follow.objects.values("followee").annotate(n=Count("*")).values_list("n", flat=True))
    assert counts[-1] > 10 * counts[len(counts) // 2]  # a few popular people, most with few followers
    assert 0 < sum(u.is_minor for u in User.objects.all()) < 100
    handle = User.objects.order_by("?").values_list("handle", flat=True).first()
    response = anon.post("/api/v1/auth/token", {"handle": handle, "password": SEED_PASSWORD}, format="json")
    assert response.status_code == 200


def test_seed_twice_adds_more_people_without_clashes():
    small = {"videos": 20, "likes": 50, "views": 50, "comments": 10, "stdout": io.StringIO()}
    call_command("seed", users=50, follows=100, **small)
    call_command("seed", users=50, follows=100, seed=7, **small)
    assert User.objects.count() == 100
    user = User.objects.create_user("after.seed", "a-long-enough-password")  # the id sequence moved on
    assert user.pk > 100


def test_seeded_videos_have_true_counters_real_files_and_a_skew(anon, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the files are written once the rows commit
        call_command(
            "seed", users=300, follows=3000, videos=400, likes=6000, views=3000, comments=800, stdout=io.StringIO()
        )
    assert Video.objects.filter(status="published").count() == 400
    assert Like.objects.count() == 6000
    assert Comment.objects.count() == 800
    for video in Video.objects.order_by("?")[:25]:
        assert video.like_count == Like.objects.filter(video=video).count()
        assert video.comment_count == Comment.objects.filter(video=video).count()
        assert video.view_count == View.objects.filter(video=video).count()
        assert video.completed_view_count == View.objects.filter(video=video, completed=True).count()
        assert video.hot_score == pytest.approx(
            services.hot_score(
                time=video.time_score,
                bonus=video.bonus,
                likes=video.like_count,
                completed_views=video.completed_view_count,
                comments=video.comment_count,
            )
        )
    likes = sorted(Video.objects.values_list("like_count", flat=True))
    assert likes[-1] > 10 * max(1, likes[len(likes) // 2])  # a few hits, most videos with few likes
    assert VideoPerson.objects.exists()
    body = anon.get("/api/v1/feed").json()
    assert len(body["results"]) == 20
    media = Client().get(body["results"][0]["media_url"])
    assert media.status_code == 200
    assert b"ftyp" in b"".join(media.streaming_content)[:32]  # a real MP4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--users", "-5"], "argument --users: -5 is below 0"),
        (["--seed", "-1"], "argument --seed: -1 is below 0"),
        (["--videos", "ten"], "argument --videos: “ten” is not a whole number"),
        (["--users", "1" + "0" * 20], "argument --users: 100000000000000000000 is above 1,000,000,000"),
        (["--comments", "99999999999999999999"], "argument --comments: 99999999999999999999 is above 1,000,000,000"),
        (["--days", "1000000"], "argument --days: 1000000 is above 36,500"),
        (["--users", "0", "--videos", "5"], "Videos need authors: give --users more than 0."),
    ],
)
def test_bad_sizes_are_refused_with_a_message_and_store_nothing(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("seed", *args, "--follows", "3", stdout=io.StringIO())
    assert not User.objects.exists() and not Video.objects.exists()
    assert not (Path(settings.MEDIA_ROOT) / "seed").exists()  # no clip or poster written either


def test_a_step_that_fails_leaves_no_earlier_steps_rows(monkeypatch):
    import feed.seed

    def broken(ctx):
        raise RuntimeError("the feed step failed")

    monkeypatch.setattr(feed.seed, "run", broken)
    with pytest.raises(RuntimeError):
        call_command("seed", "--users", "5", "--follows", "4", stdout=io.StringIO())
    assert not User.objects.exists() and not Follow.objects.exists()


def test_more_follows_than_a_few_people_can_make_is_as_many_as_there_are():
    def too_long(signum, frame):
        raise TimeoutError("the seed did not end: it looks for follows that cannot exist")

    previous = signal.signal(signal.SIGALRM, too_long)
    signal.alarm(60)
    try:
        call_command("seed", "--users", "3", "--follows", "100", "--blocks", "0", "--videos", "0", stdout=io.StringIO())
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert Follow.objects.count() == 6  # each of 3 follows the 2 others; asking for more used to never end


def test_likes_of_nearly_every_video_by_a_few_people_are_made_in_seconds():
    def too_long(signum, frame):
        raise TimeoutError("the seed did not end: it looks for the last, rarest pairs at random")

    previous = signal.signal(signal.SIGALRM, too_long)
    signal.alarm(60)
    try:  # 10 people, 5,000 videos: 50,000 likes are every pair there is, skewed by popularity
        call_command(
            "seed",
            *("--users", "10", "--follows", "0", "--videos", "5000", "--likes", "50000"),
            *("--views", "45000", "--comments", "0"),
            stdout=io.StringIO(),
        )
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert Like.objects.count() == 50000 and View.objects.count() == 45000
    liked = sorted(Video.objects.values_list("like_count", flat=True))
    assert liked[0] == liked[-1] == 10
    viewed = sorted(Video.objects.values_list("view_count", flat=True))
    assert viewed[0] < viewed[-1] == 10  # popular videos seen by everyone, some by fewer


def test_sizes_beyond_the_memory_there_is_are_a_clear_error_that_stores_nothing():
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    status = Path("/proc/self/status").read_text()
    in_use = int(next(line for line in status.splitlines() if line.startswith("VmSize:")).split()[1]) * 1024
    resource.setrlimit(resource.RLIMIT_AS, (in_use + 2 * 2**30, hard))  # a machine with 2 GiB to spare
    try:
        with pytest.raises(CommandError) as caught:
            call_command("seed", "--users", "1000000000", stdout=io.StringIO())
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    assert str(caught.value) == (
        "Not enough memory for these sizes; nothing was stored. Ask for fewer (--users, --follows, --likes, ...)."
    )
    assert not User.objects.exists()


def stored_files() -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def test_a_seed_that_fails_in_the_feed_step_stores_no_rows_and_no_files(
    monkeypatch, django_capture_on_commit_callbacks
):
    import feed.seed

    real_insert = feed.seed.insert_rows

    def comments_fail(model, *args, **kwargs):  # type: ignore[no-untyped-def]
        if model is Comment:  # the step's last insert: the clips and posters were made before it
            raise RuntimeError("the database went away")
        return real_insert(model, *args, **kwargs)

    monkeypatch.setattr(feed.seed, "insert_rows", comments_fail)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        call_command("seed", "--users", "5", "--follows", "4", "--videos", "10", stdout=io.StringIO())
    assert not User.objects.exists() and not Video.objects.exists()
    assert stored_files() == []


def test_video_sizes_beyond_the_memory_there_is_store_no_rows_and_no_files(django_capture_on_commit_callbacks):
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    status = Path("/proc/self/status").read_text()
    in_use = int(next(line for line in status.splitlines() if line.startswith("VmSize:")).split()[1]) * 1024
    resource.setrlimit(resource.RLIMIT_AS, (in_use + 2 * 2**30, hard))  # a machine with 2 GiB to spare
    try:  # the people are made, then the feed step runs out of memory for a billion videos
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(CommandError, match="nothing was stored"):
            call_command("seed", "--users", "5", "--follows", "4", "--videos", "1000000000", stdout=io.StringIO())
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    assert not User.objects.exists() and not Video.objects.exists()
    assert stored_files() == []


def test_a_media_folder_that_cannot_be_written_is_a_clear_error_that_stores_nothing(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    """A media folder that could not be written (here: under a file) ended the seed in a traceback
    after its rows were committed: videos whose clips and posters were never written."""
    (tmp_path / "a-file").write_text("not a folder")
    settings.MEDIA_ROOT = str(tmp_path / "a-file" / "media")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(CommandError) as caught:
        call_command("seed", "--users", "5", "--follows", "4", "--videos", "10", stdout=io.StringIO())

    assert str(caught.value) == (
        f"{tmp_path / 'a-file' / 'media'}: the seeded videos' clips cannot be written (Not a directory); "
        "nothing was stored."
    )
    assert not User.objects.exists() and not Video.objects.exists()
