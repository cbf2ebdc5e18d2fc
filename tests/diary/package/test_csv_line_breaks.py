"""A carriage return in a text value cannot split a row of any CSV file the app
writes: cells holding a line break of any kind are quoted, rows end with "\n"."""

import csv
import io

import pytest

from diary.csvfiles import csv_writer


@pytest.mark.parametrize("text", ["Leg\rpain", "Leg\r\npain", "Leg\npain", "plain"])
def test_a_cell_with_a_line_break_reads_back_as_one_cell(text):
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["C1-001", text, "mild"])
    writer.writerow(["C1-002", "x", "y"])
    written = out.getvalue()
    assert written.endswith(",y\n") and not written.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(written, newline="")))
    assert rows == [["C1-001", text, "mild"], ["C1-002", "x", "y"]]
    if "\r" in text or "\n" in text:
        assert f'"{text}"' in written


@pytest.mark.django_db
def test_an_adverse_event_term_with_a_carriage_return_round_trips(builder, tmp_path):
    from diary.models import AdverseEvent, Trial
    from diary.package.export import package_export
    from diary.services.package_import import package_import
    from tests.diary.package.test_round_trip import _fresh_database

    package_import(path=builder.write(tmp_path / "in"))
    event = AdverseEvent.objects.order_by("pk").first()
    AdverseEvent.objects.filter(pk=event.pk).update(term="Leg\rpain")
    first = package_export(trial=Trial.objects.get(), unblinded=True, path=tmp_path / "1")
    _fresh_database()
    package_import(path=first)
    assert AdverseEvent.objects.filter(term="Leg\rpain").count() == 1
    second = package_export(trial=Trial.objects.get(), unblinded=True, path=tmp_path / "2")
    for name in sorted(p.name for p in first.iterdir()):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
