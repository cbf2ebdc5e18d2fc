import hashlib

from diary.randomization.design import ListRow
from diary.randomization.listfile import canonical_csv, fingerprint, parse_csv

ROWS = [
    ListRow(1, "placebo", 1, "", False),
    ListRow(2, "vitamin_k2", 1, "", False),
    ListRow(3, "vitamin_k2", None, "", True),
]


def test_fingerprint_is_sha256_of_the_canonical_csv_written_by_hand():
    by_hand = (
        b"bottle_number,arm_code,block,stratum,is_spare\n"
        b"1,placebo,1,,0\n"
        b"2,vitamin_k2,1,,0\n"
        b"3,vitamin_k2,,,1\n"
    )
    assert canonical_csv(ROWS) == by_hand
    assert fingerprint(ROWS) == hashlib.sha256(by_hand).hexdigest()


def test_list_without_spares_is_the_data_package_allocation_csv():
    rows = [ListRow(2, "placebo", None, "C1"), ListRow(1, "vitamin_k2", 4, "C1")]
    assert (
        canonical_csv(rows)
        == b"bottle_number,arm_code,block,stratum\n1,vitamin_k2,4,C1\n2,placebo,,C1\n"
    )


def test_fingerprint_does_not_depend_on_row_order():
    assert fingerprint(ROWS) == fingerprint(list(reversed(ROWS)))


def test_fingerprint_changes_when_one_arm_changes():
    changed = [ROWS[0], ListRow(2, "placebo", 1, "", False), ROWS[2]]
    assert fingerprint(changed) != fingerprint(ROWS)


def test_canonical_csv_reads_back_to_the_same_rows():
    rows, errors = parse_csv(canonical_csv(ROWS))
    assert errors == []
    assert rows == ROWS


def test_import_accepts_a_byte_order_mark_any_column_order_and_extra_columns():
    data = "\ufeffarm_code,comment,bottle_number\nplacebo,x,1\nvitamin_k2,y,2\n".encode()
    rows, errors = parse_csv(data)
    assert errors == []
    assert rows == [ListRow(1, "placebo"), ListRow(2, "vitamin_k2")]


def test_import_reports_missing_column():
    rows, errors = parse_csv(b"bottle,arm_code\n1,placebo\n", name="list.csv")
    assert rows == []
    assert errors == ["list.csv line 1: missing column bottle_number."]


def test_import_reports_each_bad_cell_with_line_and_column():
    data = (
        b"bottle_number,arm_code,block,is_spare\n"
        b"1,placebo,1,0\nx,placebo,1,0\n3,,1,0\n4,placebo,b,2\n"
    )
    _, errors = parse_csv(data, name="list.csv")
    assert errors == [
        "list.csv line 3, column bottle_number: 'x' is not a positive whole number.",
        "list.csv line 4, column arm_code: empty.",
        "list.csv line 5, column block: 'b' is not a whole number.",
        "list.csv line 5, column is_spare: '2' is not 0 or 1.",
    ]


def test_import_refuses_an_empty_file_and_a_header_only_file():
    assert parse_csv(b"")[1] == ["the list: the file is empty; expected a header row."]
    assert parse_csv(b"bottle_number,arm_code\n")[1] == [
        "the list: the file has a header but no bottles."
    ]


def test_import_refuses_a_file_that_is_not_utf8():
    assert parse_csv("bottle_number,arm_code\n1,placébo\n".encode("latin-1"))[1] == [
        "the list: the file is not UTF-8 text."
    ]


def test_superscript_digits_are_refused_naming_line_and_column():
    """ "²" is a digit to str.isdigit() but not to int()."""
    data = "bottle_number,arm_code,block\n\u00b2,placebo,1\n1,vitamin_k2,\u00b2\n".encode()
    rows, errors = parse_csv(data)
    assert len(errors) == 2
    assert "line 2" in errors[0] and "bottle_number" in errors[0]
    assert "line 3" in errors[1] and "block" in errors[1]
