"""Blinded reports: an open report shows nothing by group and does not depend on the
allocation; a coded one names the groups A and B only; neither names an arm or ties a
group to a role, in any output format."""

import io
import re
import zipfile
from dataclasses import replace

import pytest
from openpyxl import load_workbook

from analysis.errors import InvalidArms, InvalidParameters
from analysis.render import render_csv, render_html, render_json, render_xlsx
from analysis.report import build_report
from tests.analysis.builders import ARMS, GROUP_CODES, make_dataset, simulate, tiny_trial

SECRETS = [*(arm["code"] for arm in ARMS), *(arm["label"] for arm in ARMS)]
# The plan's text speaks of the experimental and comparator arms in general; what must not
# appear is a group tied to a role.
ROLE_OF_GROUP = re.compile(
    r"(group [AB]\b|\"[AB]\")[^.\n]{0,40}\b(experimental|comparator)\b"
    r"|\b(experimental|comparator)\b[^.\n]{0,20}(group [AB]\b|\"[AB]\")",
    re.IGNORECASE,
)


def leaked(text: str) -> list[str]:
    found = [s for s in SECRETS if re.search(re.escape(s), text, flags=re.IGNORECASE)]
    return found + [m.group(0) for m in ROLE_OF_GROUP.finditer(text)]


@pytest.fixture(scope="module", params=["tiny-coded", "simulated-coded", "simulated-open"])
def blinded(request):
    dataset = tiny_trial() if request.param.startswith("tiny") else simulate(80, seed=5)
    view = request.param.rsplit("-", 1)[1]
    return build_report(dataset, view=view, group_codes=GROUP_CODES, table1_pvalues=True)


def test_blinded_json_and_html_hold_no_arm_code_label_or_role(blinded):
    assert leaked(render_json(blinded).decode("utf-8")) == []
    assert leaked(render_html(blinded).decode("utf-8")) == []
    assert all("role" not in arm for arm in blinded["arms"])


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


def test_coded_report_names_groups_a_and_b_without_roles():
    coded = build_report(tiny_trial(), view="coded", group_codes=GROUP_CODES)
    assert (coded["blinded"], coded["view"]) == (True, "coded")
    assert coded["arms"] == [
        {"code": "A", "label": "Group A", "n": coded["arms"][0]["n"]},
        {"code": "B", "label": "Group B", "n": coded["arms"][1]["n"]},
    ]
    assert set(coded["outcomes"]["participant_week"]["frequency"]) >= {"A", "B"}


def test_open_report_pools_every_participant_in_one_group():
    report = build_report(tiny_trial(), view="open")
    assert (report["blinded"], report["view"]) == (True, "open")
    assert report["arms"] == [{"code": "all", "label": "All randomized participants", "n": 4}]


def test_open_report_needs_no_allocation_at_all():
    dataset = tiny_trial()
    unknown = replace(dataset, participants=dataset.participants.assign(arm_code=None))
    assert render_json(build_report(unknown, view="open")) == render_json(
        build_report(dataset, view="open")
    )


def test_open_report_does_not_depend_on_the_allocation():
    dataset = simulate(60, seed=4)
    swapped = _swap_two_participants_arms(dataset)
    assert render_json(build_report(dataset, view="open")) == render_json(
        build_report(swapped, view="open")
    )


def test_unblinded_report_names_the_arms():
    report = build_report(tiny_trial(), view="unblinded")
    text = render_json(report).decode("utf-8")
    assert "remedy" in text
    assert "Dummy capsule" in render_html(report).decode("utf-8")


def test_json_is_byte_identical_for_the_same_data_in_any_row_order():
    dataset = simulate(150, seed=9)
    shuffled = replace(
        dataset,
        diary=dataset.diary.sample(frac=1, random_state=1),
        participants=dataset.participants.sample(frac=1, random_state=2),
    )
    first = render_json(build_report(dataset, view="coded", group_codes=GROUP_CODES))
    again = render_json(build_report(dataset, view="coded", group_codes=GROUP_CODES))
    reordered = render_json(build_report(shuffled, view="coded", group_codes=GROUP_CODES))
    assert first == again == reordered


def test_csv_zip_is_byte_identical_across_runs():
    report = build_report(tiny_trial(), view="coded", group_codes=GROUP_CODES)
    assert render_csv(report) == render_csv(report)


def test_coded_report_without_group_codes_is_refused():
    with pytest.raises(InvalidParameters, match="A and B"):
        build_report(tiny_trial(), view="coded")


def test_an_unknown_view_is_refused():
    with pytest.raises(InvalidParameters, match="view"):
        build_report(tiny_trial(), view="blinded")


def test_coded_report_with_a_mapping_of_other_codes_is_refused():
    with pytest.raises(InvalidParameters):
        build_report(tiny_trial(), view="coded", group_codes={"remedy": "A", "dummy": "A"})
    with pytest.raises(InvalidParameters):
        build_report(tiny_trial(), view="coded", group_codes={"remedy": "A", "other": "B"})


def test_errors_in_a_coded_report_name_no_arm():
    with pytest.raises(InvalidParameters) as error:
        build_report(tiny_trial(), view="coded", group_codes={"remedy": "A", "other": "B"})
    assert leaked(str(error.value)) == []


def test_a_trial_without_one_experimental_and_one_comparator_arm_is_refused():
    dataset = tiny_trial()
    arms = [{**ARMS[0]}, {**ARMS[1], "role": "experimental"}]
    people = dataset.participants.to_dict("records")
    broken = make_dataset(people, dataset.diary.to_dict("records"), arms=arms)
    with pytest.raises(InvalidArms):
        build_report(broken, view="unblinded")


def test_an_unknown_imputation_is_refused():
    with pytest.raises(InvalidParameters, match="unknown imputation"):
        build_report(tiny_trial(), view="unblinded", imputation="last_value")


def _swap_two_participants_arms(dataset):
    """The same data but with the first participant of each arm exchanged."""
    people = dataset.participants.copy()
    first = people.groupby("arm_code").head(1).index
    people.loc[first, "arm_code"] = people.loc[first[::-1], "arm_code"].to_numpy()
    return replace(dataset, participants=people)


@pytest.mark.parametrize("view", ["open", "coded"])
def test_blinded_hash_does_not_depend_on_the_allocation_but_unblinded_does(view):
    dataset = simulate(40, seed=3)
    swapped = _swap_two_participants_arms(dataset)
    options = {"view": view, "group_codes": GROUP_CODES, "plan_analyses": False}
    assert (
        build_report(dataset, **options)["data_sha256"]
        == build_report(swapped, **options)["data_sha256"]
    )
    unblinded = {"view": "unblinded", "plan_analyses": False}
    assert (
        build_report(dataset, **unblinded)["data_sha256"]
        != build_report(swapped, **unblinded)["data_sha256"]
    )
