"""What the cameos service modules share."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def rules() -> dict[str, Any]:
    """settings.CASTFEED_ENROLLMENT: enrollment, upload and request rules."""
    return settings.CASTFEED_ENROLLMENT
