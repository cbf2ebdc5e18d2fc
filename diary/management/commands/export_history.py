"""python manage.py export_history PATH: the audit trail of every clinical record, and
of every change of staff access, as CSV.

Text that a spreadsheet would run gets one leading apostrophe, as in the data package
(diary.package.formulas); ids and dates are written as they are."""

from itertools import chain
from pathlib import Path

from django.core.management.base import BaseCommand

from diary.csvfiles import csv_writer
from diary.package.formulas import csv_text
from diary.selectors.audit_trail import AUDIT_COLUMNS, audit_trail_rows
from diary.selectors.staff import staff_access_audit_rows

NOT_TEXT = frozenset({"object_id", "history_id", "history_date"})


class Command(BaseCommand):
    help = (
        "Write the audit trail (every history record of the clinical models: model, "
        "object id, date, user, type, reason, changed fields old -> new; then every "
        "change of staff access, as model staff.access) as a CSV file."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        count = 0
        text = [column not in NOT_TEXT for column in AUDIT_COLUMNS]
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv_writer(out)
            writer.writerow(AUDIT_COLUMNS)
            for row in chain(audit_trail_rows(), staff_access_audit_rows()):
                writer.writerow([csv_text(v) if t else v for v, t in zip(row, text, strict=True)])
                count += 1
        self.stdout.write(self.style.SUCCESS(f"Wrote {count} history records to {path}"))
