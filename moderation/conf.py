"""moderation's settings (core.typed_settings): the consent gate, the prompt policy, takedowns and the
longest prompt (docs/consent.md, docs/takedowns.md). The face thresholds are cameos' (cameos.conf).

Environment: `CASTFEED_MODERATION_<FIELD>`, e.g. CASTFEED_MODERATION_MAX_CAMEOS=4,
CASTFEED_MODERATION_REFUSE_UNKNOWN_FACES=off or CASTFEED_MODERATION_TAKEDOWN_PER_EMAIL=10/day.
"""

from __future__ import annotations

import dataclasses

from core.typed_settings import loader, require


@dataclasses.dataclass(frozen=True)
class ModerationSettings:
    # The longest prompt, in characters: the consent preflight and generation's submit both refuse
    # a longer one (400).
    max_prompt_chars: int = 1000

    # --- Consent (docs/consent.md) ---
    max_cameos: int = 3  # people (cameos) in one video
    # A face in an uploaded image that is no cameo is a real, unenrolled person: refused.
    refuse_unknown_faces: bool = True
    # Workers: a prompt breaks a restriction when all-MiniLM-L6-v2 puts it closer to "someone <the
    # restriction's subject>" than to any neutral sentence about someone by this much (BENCHMARKS.md).
    restriction_lift: float = 0.02
    # Workers: a prompt describes a protected person when some window of it is at least this similar
    # to their registry description (MiniLM), and closer by the margin than to any generic role ("a
    # president", "a singer"); chosen on tests/data/names_*.jsonl (BENCHMARKS.md § Protected people).
    description_threshold: float = 0.65
    description_margin: float = 0.1
    # ... and that window, read with the words after it, describes someone in particular rather than
    # anyone with the role ("the gymnast from a local club") with at least this probability
    # (moderation.descriptions.specific): the highest that lost no description of the development and
    # held-out sets (at 0.6 the worker refused none of their ordinary roles, but the full check missed
    # 4 of 70 blind descriptions more: BENCHMARKS.md § Protected people).
    description_specific: float = 0.3
    # ... and for a window close to one of the things someone is known for ("the singer of Umbrella"),
    # at least this, with no exception for a phrase that reads as anyone's: a short phrase is close
    # to ordinary prompts more often than a whole line is ("the goalkeeper of a sunday league team"
    # and a famous goalkeeper's). Chosen on the development and held-out sets: at 0.6 the worker
    # refused 1.3% and 7.1% of their benign prompts, at 0.7 1.0% and 5.7% for one description fewer
    # found in each set, at 0.75 two held-out descriptions fewer still (BENCHMARKS.md § Protected
    # people). A private person's phrases read as anyone's and rarely pass: their identifying line
    # belongs in the description, which has the exception.
    known_for_specific: float = 0.7
    # Aliases one protected person may have (the import and the admin refuse more): every prompt
    # check reads every name and alias (the protected-name index), and one CSV row could add
    # tens of thousands. The starter list's most is 18. Each alias is at most 120 characters.
    max_aliases: int = 50
    # The largest CSV file `manage.py protected_people import` reads (its size on disk is checked
    # before it is read; the file is then read whole). The starter list's 2,299 people are 0.8 MB,
    # so this is room for about 50,000 such entries; a larger registry is imported in parts.
    registry_csv_max_bytes: int = 20 * 1024 * 1024
    # How often a process re-reads the registry's version (names, descriptions, faces): a change made
    # elsewhere applies within this many seconds; saves a query on every gate decision.
    registry_poll_s: float = 1.0
    scan_fps: float = 4.0  # frames per second the output scan looks at
    scan_max_side: int = 640
    # Faces one sampled frame of the output may show and still be checked face by face (each is
    # embedded and matched, ~8 ms). A frame with more refuses the video (`too_many_faces_at_once`)
    # before any of its faces is embedded: checking only some would leave the others unchecked, and a video
    # tiled with hundreds of small faces cost the scan seconds a frame. As for an uploaded image
    # (consent.REFERENCE_FACES_MAX): a video shows at most MAX_CAMEOS people.
    scan_max_faces: int = 24

    # --- Prompt policy ---
    # The meaning-based pass (workers): a category is flagged when the prompt is at least this close to
    # one of its descriptions, and closer by MARGIN than to any everyday prompt (BENCHMARKS.md).
    semantic_threshold: float = 0.40
    semantic_margin: float = 0.05

    # --- Takedowns (docs/takedowns.md) ---
    takedown_challenge_seconds: int = 300  # the selfie's head poses must be answered within this
    takedown_due_hours: int = 48  # a reviewer decides within this (the TAKE IT DOWN Act's 48 hours)
    takedown_per_email: str = "5/day"  # requests per contact address ("<n>/<second|minute|hour|day>")
    # A selfie matches a video's face track or a cameo at this cosine (SFace); matched published
    # videos are only hidden until a person reviews them, so a false match costs a short delay.
    takedown_match_threshold: float = 0.5
    # The longest a confirmed request keeps its template for the jobs under way at the confirmation
    # (takedowns.templates_expire); then it is erased however many are still unfinished, and a draft
    # such a job stores later is refused without a comparison (takedowns.draft_taken_down). A job
    # renders for under an hour by generation's own limits (generation.conf: each of MAX_ATTEMPTS 3
    # attempts stops at TASK_TIME_LIMIT 900 s plus the hard minute, a dead worker's job is taken again
    # after STALE_SECONDS 15 s, a lost message is sent again after QUEUED_RESEND_SECONDS 120 s): one
    # still unfinished at three times that is stuck or waits for a worker that is not running, and the
    # face of someone with no account is not kept for it.
    takedown_template_keep_hours: int = 3

    def __post_init__(self) -> None:
        for name in (
            "max_prompt_chars",
            "max_cameos",
            "max_aliases",
            "registry_csv_max_bytes",
            "scan_max_side",
            "scan_max_faces",
            "takedown_challenge_seconds",
        ):
            require(getattr(self, name) > 0, f"{name.upper()} must be positive")
        require(self.takedown_due_hours > 0, "TAKEDOWN_DUE_HOURS must be positive")
        require(self.takedown_template_keep_hours > 0, "TAKEDOWN_TEMPLATE_KEEP_HOURS must be positive")
        require(self.scan_fps > 0, "SCAN_FPS must be positive")
        require(self.registry_poll_s >= 0, "REGISTRY_POLL_S must not be negative")
        for name in ("description_specific", "known_for_specific"):
            require(0.0 <= getattr(self, name) <= 1.0, f"{name.upper()} is a probability: between 0 and 1")
        for name in ("description_threshold", "semantic_threshold", "takedown_match_threshold"):
            require(-1.0 <= getattr(self, name) <= 1.0, f"{name.upper()} is a cosine: between -1 and 1")
        for name in ("restriction_lift", "description_margin", "semantic_margin"):
            require(0.0 <= getattr(self, name) <= 2.0, f"{name.upper()} is a difference of cosines: between 0 and 2")
        count, _, period = self.takedown_per_email.partition("/")
        require(  # core.throttling.parse_rate reads the period's first letter
            count.isdigit() and int(count) > 0 and period[:1] in {"s", "m", "h", "d"},
            f"TAKEDOWN_PER_EMAIL {self.takedown_per_email!r} is not <n>/<second|minute|hour|day>",
        )


conf = loader("MODERATION", ModerationSettings)
