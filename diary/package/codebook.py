"""The data dictionary of the package: every variable of every file with its label,
type, unit, allowed values and value labels.

One source for the codebook files (CSV and HTML), the Excel workbook and the SPSS
and Stata labels. Columns, their labels, units, kinds, ranges and answer lists are
the records' declarations (diary.declarations, through diary.package.schema). In
the SPSS and Stata files a category is stored as a numeric code (1, 2, ... in the
order declared) and a flag as 0/1, each with its value label.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from diary.package.schema import DIARY, FILES, Column

NO_YES = (("0", "No"), ("1", "Yes"))
FLAG_LABELS: dict[tuple[str, str], tuple[tuple[str, str], tuple[str, str]]] = {
    (DIARY, "reached"): (("0", "Not reached"), ("1", "Reached")),
}

TYPE_NAMES = {
    "text": "text",
    "identifier": "identifier (text)",
    "int": "integer",
    "decimal": "decimal",
    "date": "date (ISO 8601)",
    "bool": "flag (0/1)",
    "enum": "category",
}


@dataclass(frozen=True)
class Variable:
    """One column of one file, as the codebook describes it."""

    file: str
    column: Column
    label: str
    unit: str

    @property
    def name(self) -> str:
        return self.column.name

    @property
    def kind(self) -> str:
        return self.column.kind

    @property
    def type_name(self) -> str:
        return TYPE_NAMES[self.kind]

    @property
    def required(self) -> bool:
        return self.column.required

    @property
    def value_labels(self) -> tuple[tuple[str, str], ...]:
        """(value as written in the CSV, label) for a category or a flag."""
        if self.kind == "enum":
            return tuple((str(value), str(label)) for value, label in self.column.choices.choices)
        if self.kind == "bool":
            return FLAG_LABELS.get((self.file, self.name), NO_YES)
        return ()

    @property
    def codes(self) -> dict[str, int]:
        """The numeric code of each value in the SPSS and Stata files."""
        if self.kind == "enum":
            return {value: i for i, (value, _) in enumerate(self.value_labels, start=1)}
        if self.kind == "bool":
            return {"0": 0, "1": 1}
        return {}

    @property
    def code_labels(self) -> dict[int, str]:
        """{numeric code: label}: the SPSS and Stata value labels."""
        codes = self.codes
        return {codes[value]: label for value, label in self.value_labels}

    @property
    def allowed(self) -> str:
        column = self.column
        if self.kind == "enum":
            return ", ".join(value for value, _ in self.value_labels)
        if self.kind == "bool":
            return "0, 1"
        if self.kind in ("int", "decimal"):
            text = column.range_text()
            if self.kind == "decimal" and column.places is not None:
                places = "place" if column.places == 1 else "places"
                text = f"{text}, {column.places} decimal {places}".lstrip(", ")
            return text
        if self.kind == "date":
            return "a calendar date, YYYY-MM-DD"
        if column.pattern:
            return column.pattern_help
        if column.max_length:
            return f"at most {column.max_length} characters"
        return ""

    @property
    def coding(self) -> str:
        """How the SPSS and Stata files store the variable's values."""
        if self.code_labels:
            return "; ".join(f"{code} = {label}" for code, label in self.code_labels.items())
        return ""


def variable(file: str, name: str) -> Variable:
    column = next(c for c in FILES[file].columns if c.name == name)
    unit = "" if column.kind == "date" and column.unit == "date" else column.unit
    return Variable(file=file, column=column, label=column.label, unit=column.unit or unit)


def file_variables(file: str, columns) -> list[Variable]:
    """The variables of `file` for the columns a table holds, in the contract's order."""
    present = set(columns)
    return [variable(file, c.name) for c in FILES[file].columns if c.name in present]


def codebook(tables: Mapping[str, object]) -> list[Variable]:
    """Every variable of every table (a mapping of file name to DataFrame), file by
    file in the package's order."""
    return [v for name, frame in tables.items() for v in file_variables(name, frame.columns)]
