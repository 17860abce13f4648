"""The one table core keeps: rate-limit counters when there is no Redis (core.throttling)."""

from django.db import models


class RateCounter(models.Model):
    """A fixed window of one rate limit or counter, shared by every process and kept across restarts.
    The key names the window, so a new window is a new row; rows past `expires` (the end of the
    window after theirs, which they weigh on: core.throttling) are swept."""

    key = models.CharField(max_length=255, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires = models.BigIntegerField(db_index=True, help_text="Unix time (seconds) the window ends.")

    def __str__(self) -> str:
        return f"{self.key}={self.count}"
