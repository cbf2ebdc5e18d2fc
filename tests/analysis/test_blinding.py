"""A blinded report names the groups A and B only, in every output format."""

import io
import re
import zipfile

import pytest
from openpyxl import load_workbook

from analysis.errors import InvalidArms, InvalidParameters
from analysis.render import render_csv, render_html, render_json, render_xlsx
from analysis.report import build_report
from tests.analysis.builders import ARMS, GROUP_CODES, make_dataset, simulate, tiny_trial

SECRETS = [
    *(arm["code"] for arm in ARMS),
    *(arm["label"] for arm in ARMS),
    "experimental",
    "comparator",
]


def leaked(text: str) -> list[str]:
    return [s for s in SECRETS if re.search(re.escape(s), text, flags=re.IGNORECASE)]


@pytest.fixture(scope="module", params=["tiny", "simulated"])
def blinded(request):
    dataset = tiny_trial() if request.param == "tiny" else simulate(80, seed=5)
    return build_report(dataset, blinded=True, group_codes=GROUP_CODES, table1_pvalues=True)


def test_blinded_json_and_html_hold_no_arm_code_label_or_role(blinded):
    assert leaked(render_json(blinded).decode("utf-8")) == []
    assert leaked(render_html(blinded).decode("utf-8")) == []


def test_blinded_xlsx_holds_no_arm_code_label_or_role(blinded):
    data = render_xlsx(blinded)
    workbook = load_workbook(io.BytesIO(data))
    cells = [
        str(cell.value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]
    assert cells
    assert leaked("\n".join(cells)) == []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = "\n".join(archive.read(n).decode("utf-8") for n in archive.namelist())
    assert leaked(xml) == []


def test_blinded_csv_holds_no_arm_code_label_or_role(blinded):
    with zipfile.ZipFile(io.BytesIO(render_csv(blinded))) as archive:
        names = archive.namelist()
        text = "\n".join(archive.read(n).decode("utf-8") for n in names)
    assert "participant_week.csv" in names
    assert leaked("\n".join(names) + text) == []


def test_blinded_report_names_groups_a_and_b_without_roles(blinded):
    assert blinded["blinded"] is True
    assert blinded["arms"] == [
        {"code": "A", "label": "Group A", "n": blinded["arms"][0]["n"]},
        {"code": "B", "label": "Group B", "n": blinded["arms"][1]["n"]},
    ]
    assert set(blinded["outcomes"]["participant_week"]["frequency"]) >= {"A", "B"}


def test_unblinded_report_names_the_arms():
    report = build_report(tiny_trial(), blinded=False)
    text = render_json(report).decode("utf-8")
    assert "remedy" in text
    assert "Dummy capsule" in render_html(report).decode("utf-8")


def test_json_is_byte_identical_for_the_same_data_in_any_row_order():
    dataset = simulate(150, seed=9)
    shuffled = type(dataset)(
        **{
            **dataset.__dict__,
            "diary": dataset.diary.sample(frac=1, random_state=1),
            "participants": dataset.participants.sample(frac=1, random_state=2),
        }
    )
    first = render_json(build_report(dataset, group_codes=GROUP_CODES))
    again = render_json(build_report(dataset, group_codes=GROUP_CODES))
    reordered = render_json(build_report(shuffled, group_codes=GROUP_CODES))
    assert first == again == reordered


def test_csv_zip_is_byte_identical_across_runs():
    report = build_report(tiny_trial(), group_codes=GROUP_CODES)
    assert render_csv(report) == render_csv(report)


def test_blinded_report_without_group_codes_is_refused():
    with pytest.raises(InvalidParameters, match="A and B"):
        build_report(tiny_trial(), blinded=True)


def test_blinded_report_with_a_mapping_of_other_codes_is_refused():
    with pytest.raises(InvalidParameters):
        build_report(tiny_trial(), group_codes={"remedy": "A", "dummy": "A"})
    with pytest.raises(InvalidParameters):
        build_report(tiny_trial(), group_codes={"remedy": "A", "other": "B"})


def test_errors_in_a_blinded_report_name_no_arm():
    dataset = tiny_trial()
    with pytest.raises(InvalidParameters) as error:
        build_report(dataset, group_codes={"remedy": "A", "other": "B"})
    assert leaked(str(error.value)) == []


def test_a_trial_without_one_experimental_and_one_comparator_arm_is_refused():
    dataset = tiny_trial()
    arms = [{**ARMS[0]}, {**ARMS[1], "role": "experimental"}]
    people = dataset.participants.to_dict("records")
    broken = make_dataset(people, dataset.diary.to_dict("records"), arms=arms)
    with pytest.raises(InvalidArms):
        build_report(broken, blinded=False)


def test_an_unknown_imputation_is_refused():
    with pytest.raises(InvalidParameters, match="unknown imputation"):
        build_report(tiny_trial(), blinded=False, imputation="last_value")


def _swap_two_participants_arms(dataset):
    """The same data but with the first participant of each arm exchanged."""
    from dataclasses import replace

    people = dataset.participants.copy()
    first = people.groupby("arm_code").head(1).index
    people.loc[first, "arm_code"] = people.loc[first[::-1], "arm_code"].to_numpy()
    return replace(dataset, participants=people)


def test_blinded_hash_does_not_depend_on_the_allocation_but_unblinded_does():
    dataset = simulate(40, seed=3)
    swapped = _swap_two_participants_arms(dataset)
    blinded_a = build_report(dataset, blinded=True, group_codes=GROUP_CODES)
    blinded_b = build_report(swapped, blinded=True, group_codes=GROUP_CODES)
    assert blinded_a["data_sha256"] == blinded_b["data_sha256"]
    assert (
        build_report(dataset, blinded=False)["data_sha256"]
        != build_report(swapped, blinded=False)["data_sha256"]
    )
