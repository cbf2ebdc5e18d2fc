"""import_trial and export_trial from the shell."""

import zipfile

import pytest
from django.core.management import CommandError, call_command

from diary.models import Participant
from tests.diary.package.builders import row_counts
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _run(*args) -> tuple[str, str]:
    import io

    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_trial_prints_a_summary_and_the_warnings(builder, tmp_path):
    builder.row("participants.csv", participant_id="C2-001")["age"] = "63"

    out, _ = _run("import_trial", str(builder.write(tmp_path / "pkg")))

    assert "Created and imported trial VITK2-NLC" in out
    assert "diary.csv: 24 rows" in out
    assert "randomization list fingerprint (sha256): " in out
    assert "warning: participants.csv:4:age: C2-001 is aged 63" in out
    assert Participant.objects.count() == 3


def test_import_trial_records_the_user_in_the_history(builder, tmp_path):
    user = make_user("coordinator")

    _run("import_trial", str(builder.write(tmp_path / "pkg")), "--user", user.username)

    assert set(Participant.history.values_list("history_user", flat=True)) == {user.pk}


def test_import_trial_lists_every_problem_and_exits_non_zero(builder, tmp_path):
    builder.row("diary.csv", participant_id="C1-001", week="2", phase="intervention")[
        "severity"
    ] = "0"
    builder.row("screening.csv", screening_id="S005")["site_code"] = "C7"
    import io

    err = io.StringIO()
    with pytest.raises(CommandError, match="refused \\(2 problems\\); nothing was imported"):
        call_command("import_trial", str(builder.write(tmp_path / "pkg")), stderr=err)

    assert err.getvalue().splitlines() == [
        "screening.csv:6:site_code: unknown site_code 'C7' (not in sites.csv)",
        "diary.csv:5:severity: 0 is outside 1-10",
    ]
    assert set(row_counts().values()) == {0}


def test_import_trial_exit_status_is_non_zero_from_the_shell(builder, tmp_path):
    import os
    import subprocess
    import sys

    row = builder.row("diary.csv", participant_id="C1-001", week="2", phase="intervention")
    row["cramps"] = "many"
    path = builder.write(tmp_path / "pkg")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shell.sqlite3'}",
    }

    def manage(*args):
        command = [sys.executable, "manage.py", *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, check=False)

    assert manage("migrate", "--verbosity", "0").returncode == 0
    done = manage("import_trial", str(path))

    assert done.returncode == 1
    assert "diary.csv:5:cramps: 'many' is not a number" in done.stderr.splitlines()
    assert "nothing was imported" in done.stderr


def test_export_trial_writes_a_blinded_zip_or_an_unblinded_folder(builder, tmp_path):
    _run("import_trial", str(builder.write(tmp_path / "pkg")))

    out, _ = _run("export_trial", str(tmp_path / "blinded.zip"))
    _run("export_trial", str(tmp_path / "unblinded"), "--unblinded")

    assert "Wrote the blinded package export" in out
    with zipfile.ZipFile(tmp_path / "blinded.zip") as archive:
        assert "allocation.csv" not in archive.namelist()
        assert "diary.csv" in archive.namelist()
    assert (
        (tmp_path / "unblinded" / "allocation.csv")
        .read_text()
        .startswith("bottle_number,arm_code,block,stratum\n1,vitamin_k2,1,\n")
    )


def test_export_trial_without_a_trial_says_so(db, tmp_path):
    with pytest.raises(CommandError, match="No trial is configured"):
        _run("export_trial", str(tmp_path / "out"))
