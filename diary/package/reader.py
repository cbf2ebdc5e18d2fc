"""Reading a data package: a folder, or a .zip with the files at its root or
inside one folder. Files are UTF-8 (a byte-order mark is allowed), CSV with
standard quoting and a header row; columns may come in any order."""

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from diary.package.problems import PackageRefused, Problem, ProblemLog
from diary.package.schema import CSV_FILES, TRIAL_JSON

KNOWN_FILES = (TRIAL_JSON, *CSV_FILES)


class Table:
    """One CSV file: its header and its records, each with the physical line it
    starts on (the header is line 1). Records are read afresh on each pass, so a
    large file is never held as Python rows."""

    def __init__(self, name: str, text: str):
        self.name = name
        self.text = text
        self.header: list[str] = []
        self.index: dict[str, int] = {}
        self.duplicated: list[str] = []
        first = next(csv.reader(io.StringIO(text, newline=""), strict=True), None)
        if first:
            self.header = [cell.strip() for cell in first]
            for position, name_ in enumerate(self.header):
                if name_ in self.index:
                    self.duplicated.append(name_)
                elif name_:
                    self.index[name_] = position

    def records(self, log: ProblemLog | None = None) -> Iterator[tuple[int, list[str]]]:
        """(line, cells) for every non-blank record after the header."""
        reader = csv.reader(io.StringIO(self.text, newline=""), strict=True)
        previous_end = 0
        try:
            for cells in reader:
                start, previous_end = previous_end + 1, reader.line_num
                if start == 1 or not cells or not any(c.strip() for c in cells):
                    continue
                yield start, cells
        except csv.Error as exc:
            if log is not None:
                log.add(self.name, previous_end + 1, None, f"not valid CSV: {exc}")


@dataclass
class Package:
    source: str
    trial_json: dict | None = None
    tables: dict[str, Table] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def package_read(path: str | Path) -> Package:
    """Read the package's files. Refuses when the path is neither a folder nor a
    zip; unreadable files are listed as the package's problems."""
    path = Path(path)
    raw = _raw_files(path)
    package = Package(source=path.name)
    for name in KNOWN_FILES:
        data = raw.get(name)
        if data is None:
            continue
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            package.problems.append(Problem(name, line, None, "the file is not UTF-8 text"))
            continue
        if name == TRIAL_JSON:
            try:
                package.trial_json = json.loads(text)
            except json.JSONDecodeError as exc:
                package.problems.append(Problem(name, exc.lineno, None, f"not JSON: {exc.msg}"))
            continue
        try:
            package.tables[name] = Table(name, text)
        except csv.Error as exc:
            package.problems.append(Problem(name, 1, None, f"not valid CSV: {exc}"))
    return package


def _raw_files(path: Path) -> dict[str, bytes]:
    if path.is_dir():
        return {p.name: p.read_bytes() for p in path.iterdir() if p.name in KNOWN_FILES}
    if path.is_file() and zipfile.is_zipfile(path):
        return _zip_files(path)
    if not path.exists():
        raise PackageRefused([Problem(str(path), None, None, "no such folder or zip file")])
    raise PackageRefused([Problem(str(path), None, None, "not a folder or a zip file")])


def _zip_files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        members = {}
        for info in archive.infolist():
            name = PurePosixPath(info.filename)
            if info.is_dir() or "__MACOSX" in name.parts or name.name not in KNOWN_FILES:
                continue
            if len(name.parts) <= 2:
                members.setdefault(str(name.parent), {})[name.name] = info
        if len(members) > 1:
            folders = ", ".join(sorted("the root" if f == "." else f"{f}/" for f in members))
            raise PackageRefused(
                [
                    Problem(
                        path.name,
                        None,
                        None,
                        f"the zip holds package files in several places ({folders}); "
                        "put them at its root or inside one folder",
                    )
                ]
            )
        files = next(iter(members.values()), {})
        return {name: archive.read(info) for name, info in files.items()}
