"""Reading a data package: a folder, or a .zip with the files at its root or
inside one folder. Files are UTF-8 (a byte-order mark is allowed), CSV with
standard quoting and a header row; columns may come in any order.

Files are streamed, never held whole: each pass over a table reads its file (or
inflates its zip member) afresh. What a package may make us read is bounded by
IMPORT_MAX_UNCOMPRESSED_BYTES: the sizes the folder or the zip declares are
checked before anything is read, and the bytes are counted again as they are
read, since a zip's headers can lie."""

import codecs
import csv
import io
import json
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from django.conf import settings

from diary.package.problems import PackageRefused, Problem, ProblemLog
from diary.package.schema import CSV_FILES, TRIAL_JSON

KNOWN_FILES = (TRIAL_JSON, *CSV_FILES)
LIMIT_SETTING = "IMPORT_MAX_UNCOMPRESSED_BYTES"
CHUNK = 1 << 20  # bytes read at a time when a file is first checked
TRIAL_JSON_MAX = 1 << 20
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError)


@dataclass(frozen=True)
class Source:
    """One file of the package, which can be opened (as bytes) as often as needed."""

    name: str
    opener: Callable[[], AbstractContextManager[BinaryIO]]
    declared: int  # the size the folder or the zip states, before anything is read


class _Counted(io.BufferedIOBase):
    """A binary stream that refuses (PackageRefused) to yield more than `limit` bytes."""

    def __init__(self, stream: BinaryIO, *, name: str, limit: int, refusal: Callable[[], str]):
        super().__init__()
        self.stream, self.name, self.left, self.refusal = stream, name, limit, refusal
        self.count = 0

    def readable(self) -> bool:
        return True

    def _counted(self, data: bytes) -> bytes:
        self.count += len(data)
        self.left -= len(data)
        if self.left < 0:
            raise PackageRefused([Problem(self.name, None, None, self.refusal())])
        return data

    def read(self, size: int | None = -1) -> bytes:
        return self._counted(self._damaged_as_refusal(self.stream.read, size))

    def read1(self, size: int = -1) -> bytes:
        return self._counted(self._damaged_as_refusal(self.stream.read1, size))

    def readline(self, size: int | None = -1) -> bytes:
        return self._counted(self._damaged_as_refusal(self.stream.readline, size))

    def _damaged_as_refusal(self, read, size):
        try:
            return read(size)
        except DAMAGED as exc:
            raise PackageRefused(
                [Problem(self.name, None, None, f"the zip member is damaged ({exc})")]
            ) from None


class Table:
    """One CSV file: its header and its records, each with the physical line it
    starts on (the header is line 1). Records are read afresh from the file on each
    pass, so a large file is never held in memory."""

    def __init__(self, source: Source, size: int):
        self.name = source.name
        self.source = source
        self.size = size  # the bytes found when the file was checked
        self.header: list[str] = []
        self.index: dict[str, int] = {}
        self.duplicated: list[str] = []
        with self._rows() as reader:
            first = next(reader, None)
        if first:
            self.header = [cell.strip() for cell in first]
            for position, name_ in enumerate(self.header):
                if name_ in self.index:
                    self.duplicated.append(name_)
                elif name_:
                    self.index[name_] = position

    @contextmanager
    def _rows(self):
        with self.source.opener() as raw:
            # A pass may read no more than the check found: the file cannot grow.
            counted = _Counted(
                raw,
                name=self.name,
                limit=self.size,
                refusal=lambda: "the file changed while it was being imported",
            )
            text = io.TextIOWrapper(counted, encoding="utf-8-sig", newline="")
            text._CHUNK_SIZE = 1 << 16  # fewer, larger reads than the default 8 KiB
            yield csv.reader(text, strict=True)

    def records(self, log: ProblemLog | None = None) -> Iterator[tuple[int, list[str]]]:
        """(line, cells) for every non-blank record after the header."""
        with self._rows() as reader:
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


def import_limit() -> int:
    return settings.IMPORT_MAX_UNCOMPRESSED_BYTES


def package_read(path: str | Path) -> Package:
    """Check the package's files and open them as tables. Refuses when the path is
    neither a folder nor a zip, or when its files hold more than the import limit;
    unreadable files are listed as the package's problems."""
    path = Path(path)
    sources = _sources(path)
    limit = import_limit()
    declared = {s.name: _declared_size(s) for s in sources}
    total = sum(declared.values())
    if total > limit:
        largest = max(declared, key=declared.get)
        verb = "inflate to" if path.is_file() else "hold"
        raise PackageRefused(
            [
                Problem(
                    path.name,
                    None,
                    None,
                    f"its files {verb} {total:,} bytes ({largest} {declared[largest]:,}), "
                    f"more than the import limit of {limit:,} bytes ({LIMIT_SETTING}); "
                    "nothing was read",
                )
            ]
        )
    package = Package(source=path.name)
    budget = limit
    for source in sources:
        size = _check_file(source, package, budget=budget, limit=limit)
        if size is None:
            continue
        budget -= size
        if source.name == TRIAL_JSON:
            _read_trial_json(source, package, size)
            continue
        try:
            package.tables[source.name] = Table(source, size)
        except csv.Error as exc:
            package.problems.append(Problem(source.name, 1, None, f"not valid CSV: {exc}"))
    return package


def _declared_size(source: Source) -> int:
    return source.declared


def _check_file(source: Source, package: Package, *, budget: int, limit: int) -> int | None:
    """Read the file once, counting its bytes against what is left of the limit and
    checking that it is UTF-8 text; its size, or None when it is unusable (its
    problem then listed)."""
    name, size, lines = source.name, 0, 0
    with source.opener() as raw:
        stream = _Counted(
            raw,
            name=name,
            limit=budget,
            refusal=lambda: (
                f"the package's files hold more than the import limit of {limit:,} bytes "
                f"({LIMIT_SETTING})"
            ),
        )
        decoder = codecs.getincrementaldecoder("utf-8-sig")()
        while block := stream.read(CHUNK):
            pending = decoder.getstate()[0]  # the start of a character cut by the last block
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                line = lines + (pending + block)[: exc.start].count(b"\n") + 1
                package.problems.append(Problem(name, line, None, "the file is not UTF-8 text"))
                return None
            lines += block.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            package.problems.append(Problem(name, lines + 1, None, "the file is not UTF-8 text"))
            return None
        size = stream.count
    return size


def _read_trial_json(source: Source, package: Package, size: int) -> None:
    """The protocol, read whole: it is small (at most TRIAL_JSON_MAX bytes)."""
    if size > TRIAL_JSON_MAX:
        package.problems.append(
            Problem(
                source.name,
                None,
                None,
                f"the file holds {size:,} bytes; a protocol holds at most {TRIAL_JSON_MAX:,}",
            )
        )
        return
    with source.opener() as raw:
        data = raw.read(size)
    try:
        package.trial_json = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        package.problems.append(Problem(source.name, None, None, "the file is not UTF-8 text"))
    except json.JSONDecodeError as exc:
        package.problems.append(Problem(source.name, exc.lineno, None, f"not JSON: {exc.msg}"))
    except RecursionError:
        package.problems.append(
            Problem(source.name, None, None, "not JSON a protocol can be: nested too deeply")
        )


def _sources(path: Path) -> list[Source]:
    if path.is_dir():
        return [_file_source(path / name) for name in KNOWN_FILES if (path / name).is_file()]
    if path.is_file() and zipfile.is_zipfile(path):
        return _zip_sources(path)
    if not path.exists():
        raise PackageRefused([Problem(str(path), None, None, "no such folder or zip file")])
    raise PackageRefused([Problem(str(path), None, None, "not a folder or a zip file")])


def _file_source(path: Path) -> Source:
    return Source(path.name, lambda: open(path, "rb"), path.stat().st_size)  # noqa: SIM115


def _zip_sources(path: Path) -> list[Source]:
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
    unreadable = [
        Problem(info.filename, None, None, problem)
        for info in files.values()
        if (problem := _member_unreadable(info))
    ]
    if unreadable:
        raise PackageRefused(unreadable)
    return [
        Source(name, _member_opener(path, files[name]), files[name].file_size)
        for name in KNOWN_FILES
        if name in files
    ]


# The compression methods Python's zipfile reads (the others raise NotImplementedError).
READABLE_COMPRESSION = {
    zipfile.ZIP_STORED: "stored",
    zipfile.ZIP_DEFLATED: "deflate",
    zipfile.ZIP_BZIP2: "bzip2",
    zipfile.ZIP_LZMA: "lzma",
}


def _member_unreadable(info: zipfile.ZipInfo) -> str | None:
    """Why a member of the zip cannot be read, or None."""
    if info.flag_bits & 0x1:
        return "the zip member is encrypted; send the package without a password"
    if info.compress_type not in READABLE_COMPRESSION:
        return (
            f"the zip member is compressed with method {info.compress_type}, which cannot be "
            "read; use " + " or ".join(READABLE_COMPRESSION.values())
        )
    return None


def _member_opener(path: Path, info: zipfile.ZipInfo):
    @contextmanager
    def opened():
        with zipfile.ZipFile(path) as archive, archive.open(info) as member:
            yield member

    return opened
