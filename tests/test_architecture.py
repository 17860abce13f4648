"""The import rules of DESIGN.md, as `make check` enforces them: import-linter's contracts
([tool.importlinter] in pyproject.toml) and bin/check-boundaries (no other app's private names, no
writes through another app's models, no app code imported by a migration's functions) hold on the
tree, and fail on a deliberately wrong import added to a copy of it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["accounts", "cameos", "core", "feed", "generation", "moderation", "web", "config"]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    """`make check`'s step, run in `cwd` with the pyproject.toml found there."""
    return subprocess.run(  # noqa: S603
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", "pyproject.toml"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(cwd)},
    )


def _python_only(folder: str, names: list[str]) -> list[str]:
    return [n for n in names if n == "__pycache__" or not (n.endswith(".py") or Path(folder, n).is_dir())]


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    """The project's packages (Python files only) and its pyproject.toml, in a temporary folder."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=_python_only)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_contracts_hold_on_the_tree():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_copy_of_the_tree_passes_too(tree_copy: Path):
    # The copy is what the failing cases below change: unchanged, it passes.
    result = lint_imports(tree_copy)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("module", "source", "contract", "chain"),
    [
        (  # against the direction: feed is below generation
            "feed/wrong.py",
            "from generation import services\n",
            "Apps import one way: generation → moderation → cameos → feed → accounts → core BROKEN",
            "feed.wrong -> generation.services",
        ),
        (  # inside a function: lazy imports are checked too
            "accounts/wrong.py",
            "def later():\n    from cameos import selectors\n\n    return selectors\n",
            "Apps import one way: generation → moderation → cameos → feed → accounts → core BROKEN",
            "accounts.wrong -> cameos.selectors",
        ),
        (  # the right direction, but another app's views
            "cameos/wrong.py",
            "from feed.apis import video_bodies\n",
            "Only feed and config.urls import feed.apis BROKEN",
            "cameos.wrong -> feed.apis",
        ),
        (
            "generation/wrong.py",
            "from moderation.apis import ConsentCheckApi\n",
            "Only moderation imports moderation.apis BROKEN",
            "generation.wrong -> moderation.apis",
        ),
        (
            "feed/wrong.py",
            "from accounts import apis\n",
            "Only accounts imports accounts.apis BROKEN",
            "feed.wrong -> accounts.apis",
        ),
    ],
)
def test_a_wrong_import_breaks_a_contract(tree_copy: Path, module: str, source: str, contract: str, chain: str):
    (tree_copy / module).write_text(source)
    result = lint_imports(tree_copy)
    assert result.returncode == 1, result.stdout + result.stderr
    assert contract in result.stdout
    assert chain in result.stdout


def check_boundaries(cwd: Path) -> subprocess.CompletedProcess[str]:
    """`make check`'s other step: bin/check-boundaries over the tree in `cwd`."""
    return subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "bin" / "check-boundaries"), str(cwd)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_boundaries_hold_on_the_tree():
    result = check_boundaries(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 breaches" in result.stdout


@pytest.mark.parametrize(
    ("module", "source", "breach"),
    [
        (
            "generation/wrong.py",
            "from feed.services import _move\n",
            "generation.wrong imports the private feed.services._move",
        ),
        (
            "moderation/wrong.py",
            "from cameos.services._common import enrollment_settings\n",
            "moderation.wrong imports the private cameos.services._common.enrollment_settings",
        ),
        (  # a private function reached through a module of another app
            "generation/wrong.py",
            "from feed import services\n\n\ndef later():\n    return services._move(1)\n",
            "generation.wrong uses the private feed.services._move",
        ),
        (  # a write through another app's model, not its services
            "cameos/wrong.py",
            "from feed.models import Video\n\n\ndef hide():\n    Video.objects.filter(pk=1).update(status='removed')\n",
            "cameos.wrong writes feed.models.Video rows (update)",
        ),
        (  # a migration reading the app's live models or rules instead of its state's
            "cameos/migrations/0099_wrong.py",
            "def forwards(apps, schema_editor):\n    from cameos.selectors import admitting\n",
            "cameos.migrations.0099_wrong imports cameos.selectors",
        ),
        (  # the same at the top of the file
            "feed/migrations/0099_wrong.py",
            "from feed.services import engagement\n",
            "feed.migrations.0099_wrong imports feed.services",
        ),
        (
            "feed/migrations/0099_wrong.py",
            "from ..services import engagement\n",
            "feed.migrations.0099_wrong imports relatively",
        ),
        (
            "feed/migrations/0099_wrong.py",
            "import importlib\n\nservices = importlib.import_module('feed.services')\n",
            "feed.migrations.0099_wrong imports feed.services by name",
        ),
        (  # the app's models, inside the function that RunPython runs
            "feed/migrations/0099_wrong.py",
            "def forwards(apps, schema_editor):\n    from feed.models import Video\n",
            "feed.migrations.0099_wrong imports feed.models;",
        ),
    ],
)
def test_a_private_name_or_a_foreign_write_is_a_breach(tree_copy: Path, module: str, source: str, breach: str):
    assert check_boundaries(tree_copy).returncode == 0
    (tree_copy / module).write_text(source)
    result = check_boundaries(tree_copy)
    assert result.returncode == 1, result.stdout + result.stderr
    assert breach in result.stdout


def test_a_migration_may_use_the_text_functions_and_its_states_models(tree_copy: Path):
    (tree_copy / "feed" / "migrations" / "0099_fine.py").write_text(
        "import importlib\n\nimport feed.models\nfrom core import migration_ops\n\n"
        "earlier = importlib.import_module('feed.migrations.0012_engagement_across_blocks')\n\n\n"
        "def forwards(apps, schema_editor):\n    from core import text\n    from core.text import skeleton\n\n"
        "    return apps.get_model('feed', 'Video'), skeleton, text, feed.models, migration_ops\n"
    )
    assert check_boundaries(tree_copy).returncode == 0


def test_reading_another_apps_models_is_allowed(tree_copy: Path):
    (tree_copy / "cameos" / "fine.py").write_text(
        "from feed.models import Video\n\n\ndef count():\n    return Video.objects.filter(pk=1).count()\n"
    )
    assert check_boundaries(tree_copy).returncode == 0
