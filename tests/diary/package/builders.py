"""Packages built in the tests: a small valid reference-trial package as plain
rows of text cells, which a test changes and writes as a folder or a zip."""

import copy
import csv
import io
import json
import zipfile
from datetime import date, timedelta
from pathlib import Path

from diary.package.schema import FILES, TRIAL_JSON

TRIAL = {
    "code": "VITK2-NLC",
    "title": "Vitamin K2 for nocturnal leg cramps",
    "arms": [
        {
            "code": "vitamin_k2",
            "label": "Vitamin K2 (MK-7) 180 µg",
            "role": "experimental",
            "ratio": 1,
        },
        {"code": "placebo", "label": "Placebo", "role": "comparator", "ratio": 1},
    ],
    "screening_weeks": 2,
    "intervention_weeks": 8,
    "min_age": 65,
    "min_screening_cramps": 2,
}

CONSENTED = date(2023, 1, 3)
RANDOMIZED = date(2023, 1, 17)


def _d(day: date) -> str:
    return day.isoformat()


def _diary(pid: str, weeks: dict[tuple[str, int], dict]) -> list[dict]:
    rows = []
    for (phase, week), values in weeks.items():
        start = RANDOMIZED if phase == "intervention" else CONSENTED
        row = {
            "participant_id": pid,
            "phase": phase,
            "week": str(week),
            "call_date": _d(start + timedelta(days=7 * week)),
            "reached": "1",
            "cramps": "",
            "duration_min": "",
            "severity": "",
            "capsules_missed": "",
        }
        row.update(values)
        rows.append(row)
    return rows


def _week(cramps: int, duration="", severity="", capsules="") -> dict:
    return {
        "cramps": str(cramps),
        "duration_min": duration,
        "severity": severity,
        "capsules_missed": capsules,
    }


class PackageBuilder:
    """The files of a package as lists of rows ({column: text}); `write` makes it."""

    def __init__(self):
        self.trial_json: dict | None = copy.deepcopy(TRIAL)
        self.columns = {
            name: [c for c in spec.column_names if c not in spec.extension_columns]
            for name, spec in FILES.items()
        }
        self.rows: dict[str, list[dict]] = {
            "sites.csv": [
                {"site_code": "C1", "name": "Centre 1"},
                {"site_code": "C2", "name": "Centre 2"},
            ],
            "screening.csv": [
                self._screening("S001", "C1", "enrolled", age="70"),
                self._screening("S002", "C1", "enrolled", age="81", sex="M"),
                self._screening("S003", "C2", "enrolled", age="66"),
                self._screening("S004", "C2", "declined", reason='Did not want to, "busy"'),
                self._screening("S005", "C1", "not_meeting_inclusion", reason="No cramps"),
                self._screening("S006", "C2", "enrolled", age="77"),
            ],
            "participants.csv": [
                self._participant(
                    "C1-001",
                    "S001",
                    "C1",
                    bottle="1",
                    age="70",
                    height_cm="165.5",
                    weight_kg="70",
                    hypertension="1",
                    diabetes="0",
                    creatinine_mg_dl="0.85",
                ),
                self._participant(
                    "C1-002",
                    "S002",
                    "C1",
                    bottle="2",
                    age="81",
                    sex="M",
                    withdrawn_on=_d(RANDOMIZED + timedelta(days=16)),
                    withdrawal_reason="Moved away",
                ),
                self._participant("C2-001", "S003", "C2", bottle="3", age="66", hypertension="0"),
            ],
            "allocation.csv": [
                {"bottle_number": str(b), "arm_code": arm, "block": "1", "stratum": ""}
                for b, arm in [(1, "vitamin_k2"), (2, "placebo"), (3, "placebo"), (4, "vitamin_k2")]
            ],
            "diary.csv": (
                _diary(
                    "C1-001",
                    {
                        ("screening", 1): _week(3, "2.5", "6"),
                        ("screening", 2): _week(2, "1.25", "5.5"),
                        **{
                            ("intervention", w): _week(
                                w % 3, *(("3", "4") if w % 3 else ("", "")), capsules="0"
                            )
                            for w in range(1, 9)
                        },
                    },
                )
                + _diary(
                    "C1-002",
                    {
                        ("screening", 1): _week(4, "10", "8"),
                        ("screening", 2): {"reached": "0"},
                        ("intervention", 1): _week(1, "0.5", "1", capsules="2"),
                        ("intervention", 2): {"reached": "0"},
                    },
                )
                + _diary(
                    "C2-001",
                    {
                        ("screening", 1): _week(1, "4", "7"),
                        ("screening", 2): _week(2, "4", "7"),
                        **{
                            ("intervention", w): _week(2, "15.75", "9.25", capsules="1")
                            for w in range(1, 9)
                        },
                    },
                )
            ),
            "adverse_events.csv": [
                {
                    "participant_id": "C1-001",
                    "onset_on": _d(RANDOMIZED + timedelta(days=3)),
                    "term": "Nausea",
                    "serious": "0",
                    "grade": "mild",
                    "relatedness": "possible",
                    "outcome": "Recovered",
                    "resolved_on": _d(RANDOMIZED + timedelta(days=5)),
                },
                {
                    "participant_id": "C2-001",
                    "onset_on": _d(RANDOMIZED + timedelta(days=20)),
                    "term": "Fall, hip fracture",
                    "serious": "1",
                    "grade": "severe",
                    "relatedness": "unrelated",
                    "outcome": "",
                    "resolved_on": "",
                },
            ],
        }

    @staticmethod
    def _screening(sid, site, outcome, *, age="72", sex="F", reason=""):
        return {
            "screening_id": sid,
            "site_code": site,
            "screened_on": "2023-01-02",
            "sex": sex,
            "age": age,
            "outcome": outcome,
            "reason": reason,
        }

    @staticmethod
    def _participant(pid, sid, site, *, bottle, age, sex="F", **extra):
        row = {
            "participant_id": pid,
            "screening_id": sid,
            "site_code": site,
            "consented_on": _d(CONSENTED),
            "randomized_on": _d(RANDOMIZED),
            "bottle_number": bottle,
            "sex": sex,
            "age": age,
        }
        return {c: extra.get(c, row.get(c, "")) for c in FILES["participants.csv"].column_names}

    # -- changing it --------------------------------------------------------------

    def row(self, name: str, **match) -> dict:
        """The first row of a file whose cells equal `match`."""
        return next(r for r in self.rows[name] if all(r[k] == v for k, v in match.items()))

    def line_of(self, name: str, row: dict) -> int:
        """The physical line a row is written on (header = 1; no multi-line cells)."""
        return self.rows[name].index(row) + 2

    # -- writing it ---------------------------------------------------------------

    def csv_text(self, name: str) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        columns = self.columns[name]
        writer.writerow(columns)
        for row in self.rows[name]:
            writer.writerow([row.get(c, "") for c in columns])
        return buffer.getvalue()

    def files(self, *, bom: bool = False) -> dict[str, bytes]:
        prefix = "\ufeff" if bom else ""
        files = {name: (prefix + self.csv_text(name)).encode() for name in self.rows}
        if self.trial_json is not None:
            files[TRIAL_JSON] = json.dumps(self.trial_json, indent=2).encode()
        return files

    def write(self, path: Path, *, bom: bool = False) -> Path:
        path.mkdir(parents=True, exist_ok=True)
        for name, data in self.files(bom=bom).items():
            (path / name).write_bytes(data)
        return path

    def write_zip(self, path: Path, *, folder: str = "", bom: bool = False) -> Path:
        with zipfile.ZipFile(path, "w") as archive:
            if folder:
                archive.writestr(f"{folder}/", b"")
            for name, data in self.files(bom=bom).items():
                archive.writestr(f"{folder}/{name}" if folder else name, data)
        return path


def row_counts() -> dict[str, int]:
    """Rows of every model of the diary app, history tables included."""
    from django.apps import apps

    return {m._meta.label: m.objects.count() for m in apps.get_app_config("diary").get_models()}


def write_synthetic_package(path: Path, *, participants: int, seed: int = 1) -> dict[str, int]:
    """A large valid package of the reference trial: `participants` randomized
    participants with all 10 diary weeks each, one declined candidate per ten,
    an adverse event per twenty. Returns the rows written per file."""
    import random

    rng = random.Random(seed)
    path.mkdir(parents=True, exist_ok=True)
    (path / TRIAL_JSON).write_text(json.dumps(TRIAL))
    counts = dict.fromkeys(FILES, 0)

    def writer(name):
        handle = (path / name).open("w", newline="", encoding="utf-8")
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(
            [c for c in FILES[name].column_names if c not in FILES[name].extension_columns]
        )
        return handle, out

    files = {name: writer(name) for name in FILES}
    files["sites.csv"][1].writerows([["C1", "Centre 1"], ["C2", "Centre 2"]])
    counts["sites.csv"] = 2
    start = date(2021, 1, 4)
    for n in range(1, participants + 1):
        site = "C1" if n % 2 else "C2"
        sid, pid = f"S{n:07d}", f"{site}-{n:07d}"
        screened = start + timedelta(days=n % 700)
        consented, randomized = screened + timedelta(days=1), screened + timedelta(days=15)
        age = rng.randint(65, 90)
        sex = rng.choice("FM")
        files["screening.csv"][1].writerow([sid, site, screened, sex, age, "enrolled", ""])
        if n % 10 == 0:
            files["screening.csv"][1].writerow(
                [f"D{n:07d}", site, screened, sex, age, "declined", "Not interested"]
            )
            counts["screening.csv"] += 1
        files["participants.csv"][1].writerow(
            [
                pid,
                sid,
                site,
                consented,
                randomized,
                n,
                sex,
                age,
                f"{rng.uniform(150, 190):.1f}",
                f"{rng.uniform(50, 100):.1f}",
                rng.randint(0, 1),
                rng.randint(0, 1),
                f"{rng.uniform(0.5, 1.5):.2f}",
                "",
                "",
                "",
                "",
            ]
        )
        files["allocation.csv"][1].writerow([n, rng.choice(("vitamin_k2", "placebo")), "", ""])
        diary = files["diary.csv"][1]
        for phase, base, weeks in (("screening", consented, 2), ("intervention", randomized, 8)):
            for week in range(1, weeks + 1):
                call = base + timedelta(days=7 * week)
                if rng.random() < 0.05:
                    diary.writerow([pid, phase, week, call, 0, "", "", "", ""])
                    continue
                cramps = rng.randint(1 if phase == "screening" else 0, 6)
                duration = f"{rng.uniform(0.5, 20):.2f}" if cramps else ""
                severity = f"{rng.uniform(1, 10):.2f}" if cramps else ""
                capsules = rng.randint(0, 2) if phase == "intervention" else ""
                diary.writerow([pid, phase, week, call, 1, cramps, duration, severity, capsules])
        if n % 20 == 0:
            files["adverse_events.csv"][1].writerow(
                [pid, randomized + timedelta(days=3), "Headache", 0, "mild", "unlikely", "", ""]
            )
            counts["adverse_events.csv"] += 1
    for name in ("screening.csv", "participants.csv", "allocation.csv"):
        counts[name] += participants
    counts["diary.csv"] = participants * 10
    for handle, _ in files.values():
        handle.close()
    return counts
