"""Reading a data-package folder, and the canonical hash of a dataset."""

import json
import zipfile
from decimal import Decimal

import pandas as pd
import pytest

from analysis.dataset import TABLES, TrialDataset, canonical_sha256, read_package
from analysis.errors import ArmsUnknown, PackageError
from analysis.report import build_report
from tests.analysis.builders import ARMS, TRIAL, tiny_trial


def write_package(dataset: TrialDataset, folder, *, allocation: bool = True):
    """Write the dataset as the data package's CSV files (dates ISO, booleans 0/1)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "trial.json").write_text(json.dumps({**TRIAL, "arms": ARMS}), encoding="utf-8")
    for name in TABLES:
        if name == "arms":
            continue
        frame = dataset.table(name).copy()
        if name == "participants":
            if allocation:
                frame[["bottle_number", "arm_code"]].to_csv(folder / "allocation.csv", index=False)
            frame = frame.drop(columns="arm_code")
        for column in frame.columns:
            values = frame[column]
            if pd.api.types.is_datetime64_any_dtype(values):
                frame[column] = values.dt.strftime("%Y-%m-%d")
            elif pd.api.types.is_bool_dtype(values):
                frame[column] = values.astype("Int64")
        # columns in another order: the reader must not care
        frame[list(reversed(frame.columns))].to_csv(folder / f"{name}.csv", index=False)


def test_read_package_gives_back_the_written_dataset(tmp_path):
    original = tiny_trial()
    write_package(original, tmp_path / "pkg")
    loaded = read_package(tmp_path / "pkg")
    assert loaded.trial == TRIAL
    for name in TABLES:
        pd.testing.assert_frame_equal(loaded.table(name), original.table(name), check_dtype=True)


def test_read_package_reads_a_zip_with_one_folder_inside(tmp_path):
    write_package(tiny_trial(), tmp_path / "pkg")
    archive = tmp_path / "pkg.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in (tmp_path / "pkg").iterdir():
            zf.write(path, f"export/{path.name}")
    assert canonical_sha256(read_package(archive)) == canonical_sha256(tiny_trial())


def test_read_package_without_allocation_leaves_arms_unknown(tmp_path):
    write_package(tiny_trial(), tmp_path / "pkg", allocation=False)
    loaded = read_package(tmp_path / "pkg")
    assert loaded.participants["arm_code"].isna().all()
    with pytest.raises(ArmsUnknown, match="4 of 4 participants have no known arm"):
        build_report(loaded, view="unblinded")


def test_read_package_without_trial_json_is_refused(tmp_path):
    (tmp_path / "pkg").mkdir()
    with pytest.raises(PackageError, match="trial.json"):
        read_package(tmp_path / "pkg")


def rebuilt(dataset: TrialDataset, **frames) -> TrialDataset:
    return TrialDataset(**{**dataset.__dict__, **frames})


def test_hash_ignores_row_order_column_order_and_dtypes():
    dataset = tiny_trial()
    diary = dataset.diary.sample(frac=1, random_state=3)[list(reversed(dataset.diary.columns))]
    people = dataset.participants.assign(
        age=dataset.participants["age"].astype("int64"),
        creatinine_mg_dl=[
            None if pd.isna(v) else Decimal(str(v))
            for v in dataset.participants["creatinine_mg_dl"]
        ],
    )
    same = rebuilt(dataset, diary=diary, participants=people.iloc[::-1])
    assert canonical_sha256(same) == canonical_sha256(dataset)


def test_hash_changes_when_one_value_changes():
    dataset = tiny_trial()
    diary = dataset.diary.copy()
    diary.loc[diary["severity"].notna().idxmax(), "severity"] += 0.01
    assert canonical_sha256(rebuilt(dataset, diary=diary)) != canonical_sha256(dataset)


def test_hash_changes_when_the_allocation_changes():
    dataset = tiny_trial()
    people = dataset.participants.copy()
    people["arm_code"] = people["arm_code"].iloc[::-1].to_numpy()
    assert canonical_sha256(rebuilt(dataset, participants=people)) != canonical_sha256(dataset)


def test_hash_tells_a_missing_value_from_zero():
    dataset = tiny_trial()
    people = dataset.participants.copy()
    people["creatinine_mg_dl"] = people["creatinine_mg_dl"].fillna(0.0)
    assert canonical_sha256(rebuilt(dataset, participants=people)) != canonical_sha256(dataset)


def test_hash_orders_rows_whose_natural_key_repeats_by_their_other_columns():
    dataset = tiny_trial()
    twin = {**dataset.adverse_events.iloc[0].to_dict(), "grade": "moderate"}
    events = pd.concat([dataset.adverse_events, pd.DataFrame([twin])], ignore_index=True)
    forward = rebuilt(dataset, adverse_events=events)
    backward = rebuilt(dataset, adverse_events=events.iloc[::-1])
    assert canonical_sha256(forward) == canonical_sha256(backward)
    assert canonical_sha256(forward) != canonical_sha256(dataset)
