"""python manage.py export_trial PATH [--format package|xlsx|spss|stata|codebook|odm]
[--unblinded]: export the trial's data."""

from functools import partial

from django.core.management.base import BaseCommand, CommandError

from diary.errors import TrialError
from diary.exports.formats import FORMATS as EXPORT_FORMATS
from diary.exports.formats import export_write
from diary.package.export import package_export
from diary.selectors.trial import current_trial

# Export formats by name: each takes the trial, the blinding and the path, and
# returns the path written.
FORMATS = {
    "package": package_export,
    **{f: partial(export_write, format=f) for f in EXPORT_FORMATS if f != "package"},
}


class Command(BaseCommand):
    help = (
        "Export the trial's data. The data package (the default format) is a folder, "
        "or a .zip when PATH ends in .zip; so are spss and stata (one .sav or .dta per "
        "table, with the codebook) and codebook (CSV and HTML); xlsx writes one workbook "
        "and odm one CDISC ODM 1.3.2 file (metadata, data, audit trail, signatures) "
        "to PATH. Blinded unless --unblinded: only an unblinded export holds the "
        "randomization list or names the arms."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument(
            "--unblinded",
            action="store_true",
            help="Include the randomization list (allocation.csv) and the arms.",
        )
        parser.add_argument("--format", default="package", choices=sorted(FORMATS))

    def handle(self, *args, path, unblinded, format, **options):
        try:
            trial = current_trial()
            written = FORMATS[format](trial=trial, unblinded=unblinded, path=path)
        except TrialError as exc:
            raise CommandError(exc.message) from exc
        except FileExistsError as exc:
            raise CommandError(str(exc)) from exc
        kind = "unblinded" if unblinded else "blinded"
        self.stdout.write(self.style.SUCCESS(f"Wrote the {kind} {format} export to {written}"))
