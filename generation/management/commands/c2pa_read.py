"""Read and verify the Content Credentials of a video (against this deployment's trust anchors)."""

import json
import unicodedata
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


def _shown(value: str | None) -> str:
    """A value read from the file, for the terminal: whoever signed it chose it, so a control
    character (an escape sequence that clears the screen or rewrites the lines above) is shown
    escaped, not sent."""
    text = str(value)
    return "".join(ch.encode("unicode_escape").decode() if unicodedata.category(ch) == "Cc" else ch for ch in text)


class Command(BaseCommand):
    help = "Read the C2PA manifest of an MP4 and say whether its signature is valid and trusted."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--json", action="store_true", help="print the whole manifest store")

    def handle(self, *args: Any, **options: Any) -> None:
        from generation.media.provenance import CredentialsError, read_manifest

        path: Path = options["path"]
        try:
            # is_dir() and is_file() say False for a missing path, but raise for a name over the
            # system's length limit (ENAMETOOLONG) or a folder this user may not search (EACCES).
            if path.is_dir():
                raise CommandError(f"{path}: a folder, not a file.")
            if not path.is_file():
                raise CommandError(f"{path}: no such file.")
            manifest = read_manifest(path)
        except OSError as exc:  # a file this user may not read (or a trust anchor file: named)
            raise CommandError(f"{exc.filename or path}: cannot be read ({exc.strerror or exc}).") from exc
        except CredentialsError as exc:  # the trust anchors configured are not certificates
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(manifest.raw, indent=2))  # JSON escapes control characters
        self.stdout.write(
            f"valid: {manifest.valid}\n"
            f"digital source type: {_shown(manifest.digital_source_type)}\n"
            f"job: {_shown(manifest.job_id)}\nmodel: {_shown(manifest.model)}\n"
            + (f"problems: {_shown(', '.join(manifest.validation_errors))}\n" if manifest.validation_errors else "")
        )
        if not manifest.valid:
            raise CommandError("the Content Credentials are missing or invalid")
