"""python manage.py export_history PATH: the audit trail of every clinical record, and
of every change of staff access, as CSV."""

import csv
from itertools import chain
from pathlib import Path

from django.core.management.base import BaseCommand

from diary.selectors.audit_trail import AUDIT_COLUMNS, audit_trail_rows
from diary.selectors.staff import staff_access_audit_rows


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
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(AUDIT_COLUMNS)
            for row in chain(audit_trail_rows(), staff_access_audit_rows()):
                writer.writerow(row)
                count += 1
        self.stdout.write(self.style.SUCCESS(f"Wrote {count} history records to {path}"))
