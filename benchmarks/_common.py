"""What every benchmark script starts with, written once: the project on sys.path, Django's settings
module, `django.setup()`, and the percentile the reports print.

A script run as `python benchmarks/<name>.py` has benchmarks/ on sys.path, so it imports this module as
`_common`; importing it puts the project root on sys.path and sets DJANGO_SETTINGS_MODULE (unless the
environment already does). A script sets whatever else it needs in os.environ (DATABASE_URL, ...) and
then calls `setup_django()`.
"""

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = "config.settings.base"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)


def setup_django() -> None:
    """`django.setup()` on the settings the environment names (idempotent)."""
    import django

    django.setup()


def pct(samples: list[float], q: float) -> float:
    """The q-quantile (0..1) of `samples`, nearest rank; NaN when there are none."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else float("nan")


def p50_p99(samples: list[float], *, digits: int = 1, unit: str = "ms") -> str:
    """'p50 1.2 ms, p99 3.4 ms': the summary line most benchmarks print."""
    return f"p50 {statistics.median(samples):.{digits}f} {unit}, p99 {pct(samples, 0.99):.{digits}f} {unit}"
