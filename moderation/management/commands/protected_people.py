"""`manage.py protected_people import FILE.csv`, `export [FILE.csv|-]` and `embed`.

The CSV format is moderation.registry's: `name,aliases,description,photos` (optional `kind`,
`deceased`, `note`, `known_for`), several aliases, photos or known_for phrases separated by `|`,
photo paths relative to the CSV.
An import is all or nothing: every problem is reported with its line number and nothing changes.
An export to a file copies the photos into a folder next to it (`FILE-photos/`, or `--photos-dir`),
so the file re-imports faces included; an export to `-` (standard output) lists no photos unless
`--photos-dir` is given (then with absolute paths). `embed` (workers' side: it loads MiniLM) embeds
the starter list's descriptions and known_for phrases into the file shipped next to it, so that no
worker embeds thousands of them when it starts, and fits on them the model that tells a description of someone in
particular from one of anyone with the role (moderation.descriptions.specific); run it after editing
the starter CSVs or moderation/data/ordinary_roles.txt. An option or a file the action does not use
(`import FILE --no-photos`, `embed FILE`) is an error, and nothing is done, as is an empty file or
folder name (`export ""`). Options may come before or after the file.
"""

from __future__ import annotations

import contextlib
import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from moderation import registry


@contextlib.contextmanager
def _undone_on_failure(folder: Path | None) -> Iterator[None]:
    """Make the photos' folder; if the export then fails, take away what it added: the folder it made
    (and those above it that it made), or the copies it put into a folder already there."""
    if folder is None:
        yield
        return
    made = folder.absolute()
    while not made.parent.exists():
        made = made.parent
    before = set(folder.iterdir()) if made.exists() else None  # None: this export makes the folder
    folder.mkdir(parents=True, exist_ok=True)  # before a line is written anywhere
    try:
        yield
    except BaseException:
        if before is None:
            shutil.rmtree(made, ignore_errors=True)
        else:
            for path in set(folder.iterdir()) - before:
                path.unlink(missing_ok=True)
        raise


class Command(BaseCommand):
    help = "Import or export the protected-person registry (CSV: name,aliases,description,photos[,...,known_for])."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["import", "export", "embed"])
        parser.add_argument("file", nargs="?", help="the CSV file (export: - or nothing for standard output)")
        parser.add_argument("--photos-dir", help="export: where to copy the photos (default for a file: FILE-photos/)")
        parser.add_argument("--no-photos", action="store_true", help="export: list no photos (people only)")

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # `export --photos-dir DIR FILE`: argparse gives the optional file nothing once an option comes
        # between it and the action, and refuses FILE as unrecognised; intermixed parsing takes it.
        parser.parse_args = parser.parse_intermixed_args  # type: ignore[method-assign]
        return parser

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        # An option the action does not use is a mistake to say, not to ignore (`import --no-photos`).
        for flag, given in (("--photos-dir", options["photos_dir"] is not None), ("--no-photos", options["no_photos"])):
            if given and action != "export":
                raise CommandError(f"{flag} is for export only; nothing was done.")
        if options["photos_dir"] == "":  # `--photos-dir "$DIR"` with DIR unset
            raise CommandError("--photos-dir: an empty folder name; nothing was done.")
        if action == "export" and options["file"] == "":  # `export "$FILE"` with FILE unset
            raise CommandError("export: an empty file name; name the CSV file, or - for standard output.")
        if options["photos_dir"] is not None and options["no_photos"]:
            raise CommandError("--no-photos or --photos-dir, not both; nothing was done.")
        if action == "embed" and options["file"] is not None:
            raise CommandError(
                "embed takes no file: it reads the starter list (moderation/data/starter/*.csv); nothing was done."
            )
        if action == "embed":
            self.embed()
        elif options["action"] == "import":
            if not options["file"]:
                raise CommandError("Which file? manage.py protected_people import FILE.csv")
            self.load(options["file"])
        else:
            self.dump(options["file"] or "-", photos_dir=options["photos_dir"], no_photos=options["no_photos"])

    def load(self, file: str) -> None:
        try:
            result = registry.registry_import(Path(file))
        except registry.RegistryImportError as exc:
            lines = [f"{file}:{line}: {message}" if line else f"{file}: {message}" for line, message in exc.errors]
            count = len(exc.errors)
            problems = f"{count} problem{'s' if count != 1 else ''}"
            raise CommandError(f"{problems}; nothing was imported.\n" + "\n".join(lines)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged, "
                f"{result.faces_added} face{'s' if result.faces_added != 1 else ''} added."
            )
        )

    def dump(self, file: str, *, photos_dir: str | None, no_photos: bool) -> None:
        try:
            self._dump(file, photos_dir=photos_dir, no_photos=no_photos)
        except OSError as exc:  # a path the system refuses (too long, under a file, not writable)
            raise CommandError(f"{exc.filename or file}: not written ({exc.strerror or exc}).") from exc
        except registry.RegistryExportError as exc:  # a photo gone from storage
            raise CommandError(f"{exc}; nothing was written.") from exc

    def _dump(self, file: str, *, photos_dir: str | None, no_photos: bool) -> None:
        target = None if file == "-" else Path(file)
        if target is not None and not target.parent.is_dir():
            raise CommandError(f"{target.parent}: no such folder.")
        if target is not None and target.is_dir():
            raise CommandError(f"{target}: a folder; name the CSV file to write.")
        if no_photos:
            folder = None
        elif photos_dir:
            folder = Path(photos_dir)
        else:  # standard output lists no photos unless told where to copy them
            folder = None if target is None else target.with_name(f"{target.stem}-photos")
        if folder is not None and folder.exists() and not folder.is_dir():
            raise CommandError(f"{folder}: not a folder; the photos go into a folder (--photos-dir).")
        with _undone_on_failure(folder):
            count = self._write(target, folder)
        if target is None:
            return
        where = f" (photos in {folder})" if folder is not None else ""
        self.stdout.write(self.style.SUCCESS(f"{count} people written to {target}{where}."))

    def _write(self, target: Path | None, folder: Path | None) -> int:
        if target is None:  # printed whole or not at all
            buffer = io.StringIO()
            count = registry.registry_export(buffer, photos_dir=folder)
            self.stdout.write(buffer.getvalue(), ending="")
            return count
        # Written beside the target and renamed over it at the end: a failure leaves the old file whole.
        partial = target.with_name(f".{target.name}.partial")
        try:
            with partial.open("w", encoding="utf-8", newline="") as stream:
                count = registry.registry_export(stream, photos_dir=folder, csv_dir=target.parent)
            partial.replace(target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return count

    def embed(self) -> None:
        import csv

        from moderation import descriptions

        folder = descriptions.SHIPPED.parent
        lines: list[str] = []
        phrases: list[str] = []
        if not descriptions.ORDINARY.exists():
            raise CommandError(f"{descriptions.ORDINARY}: no such file; nothing was written.")
        reading = descriptions.ORDINARY
        # Files an operator edits before running this: one saved in another encoding, or a folder in
        # its place, is said with its name, before anything is embedded or written.
        try:
            for reading in sorted(folder.glob("*.csv")):
                with reading.open(encoding="utf-8", newline="") as handle:
                    for row in csv.DictReader(handle):
                        lines.append(row.get("description") or "")
                        phrases += (row.get("known_for") or "").split(registry.SEPARATOR)
            reading = descriptions.ORDINARY
            ordinary = [line.strip() for line in reading.read_text(encoding="utf-8").splitlines()]
        except UnicodeDecodeError as exc:
            raise CommandError(f"{reading}: not UTF-8 text; nothing was written.") from exc
        except OSError as exc:
            raise CommandError(f"{reading}: cannot be read ({exc.strerror or exc}); nothing was written.") from exc
        except csv.Error as exc:
            raise CommandError(f"{reading}: malformed CSV ({exc}); nothing was written.") from exc
        texts = lines + phrases
        someone = list(dict.fromkeys(" ".join(t.split()) for t in lines if t.strip()))
        ordinary = [line for line in ordinary if line]
        if not someone or not ordinary:
            raise CommandError(
                f"No descriptions in {folder}/*.csv or no lines in {descriptions.ORDINARY}; nothing was written."
            )
        # The model first: if fitting fails, neither file has changed. Each file is replaced whole.
        accuracy = descriptions.fit_specific(someone, ordinary, descriptions.SPECIFIC)
        count = descriptions.embed_all(texts, descriptions.SHIPPED)
        self.stdout.write(self.style.SUCCESS(f"{count} descriptions and phrases embedded into {descriptions.SHIPPED}."))
        self.stdout.write(
            self.style.SUCCESS(
                f"Fitted on {len(someone)} descriptions of someone and {len(ordinary)} of anyone "
                f"(training accuracy {accuracy:.3f}) into {descriptions.SPECIFIC}."
            )
        )
