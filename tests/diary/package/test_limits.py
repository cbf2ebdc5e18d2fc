"""A package is read within a size limit (IMPORT_MAX_UNCOMPRESSED_BYTES): one that
would inflate past it is refused, naming the file and the limit, before anything
is read; the files are streamed, so the limit bounds what a zip can make us read."""

import builtins
import struct
import zipfile
from pathlib import Path

import pytest
from django.test import override_settings

from diary.package.problems import PackageRefused
from diary.services.package_import import package_import
from tests.diary.package.builders import row_counts

pytestmark = pytest.mark.django_db


def _forbid_reading_members(monkeypatch):
    def refuse(self, name, *args, **kwargs):
        raise AssertionError(f"{name} was opened")

    monkeypatch.setattr(zipfile.ZipFile, "open", refuse)
    monkeypatch.setattr(zipfile.ZipFile, "read", refuse)


def _understate(path: Path, member: str, size: int) -> None:
    """Make the zip's headers (central directory and local header) declare that
    `member` inflates to `size` bytes, whatever it really holds."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    for signature, name_length_at, name_at, size_at in (
        (b"PK\x01\x02", 28, 46, 24),  # central directory entry
        (b"PK\x03\x04", 26, 30, 22),  # local file header
    ):
        start = data.find(signature)
        while start != -1:
            (length,) = struct.unpack_from("<H", data, start + name_length_at)
            if data[start + name_at : start + name_at + length] == name:
                struct.pack_into("<I", data, start + size_at, size)
            start = data.find(signature, start + 1)
    path.write_bytes(bytes(data))


def test_the_limit_defaults_to_two_gibibytes(settings):
    assert settings.IMPORT_MAX_UNCOMPRESSED_BYTES == 2 * 1024**3


def test_a_zip_that_inflates_past_the_limit_is_refused_before_any_member_is_read(
    builder, tmp_path, monkeypatch
):
    path = builder.write_zip(tmp_path / "pkg.zip")
    with zipfile.ZipFile(path) as archive:
        sizes = {info.filename: info.file_size for info in archive.infolist()}
    largest = max(sizes, key=sizes.get)
    _forbid_reading_members(monkeypatch)

    with (
        override_settings(IMPORT_MAX_UNCOMPRESSED_BYTES=1000),
        pytest.raises(PackageRefused) as refused,
    ):
        package_import(path=path)

    assert [str(p) for p in refused.value.problems] == [
        f"pkg.zip: its files inflate to {sum(sizes.values()):,} bytes ({largest} "
        f"{sizes[largest]:,}), more than the import limit of 1,000 bytes "
        "(IMPORT_MAX_UNCOMPRESSED_BYTES); nothing was read"
    ]
    assert set(row_counts().values()) == {0}


def test_a_zip_bomb_member_is_refused_by_its_declared_size(tmp_path, monkeypatch):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("diary.csv", b"0" * 5_000_000)
    assert path.stat().st_size < 20_000
    _forbid_reading_members(monkeypatch)

    with (
        override_settings(IMPORT_MAX_UNCOMPRESSED_BYTES=1_000_000),
        pytest.raises(PackageRefused) as refused,
    ):
        package_import(path=path)

    assert str(refused.value.problems[0]) == (
        "bomb.zip: its files inflate to 5,000,000 bytes (diary.csv 5,000,000), more than "
        "the import limit of 1,000,000 bytes (IMPORT_MAX_UNCOMPRESSED_BYTES); nothing was read"
    )


def test_a_zip_member_that_holds_more_than_its_header_declares_is_refused(builder, tmp_path):
    path = builder.write_zip(tmp_path / "pkg.zip")
    _understate(path, "diary.csv", 100)

    with (
        override_settings(IMPORT_MAX_UNCOMPRESSED_BYTES=10_000),
        pytest.raises(PackageRefused) as refused,
    ):
        package_import(path=path)

    messages = [str(p) for p in refused.value.problems]
    assert len(messages) == 1
    assert messages[0].startswith("diary.csv: the zip member is damaged")
    assert set(row_counts().values()) == {0}


def test_a_file_past_the_limit_in_a_folder_is_refused_without_reading_it(
    builder, tmp_path, monkeypatch
):
    path = builder.write(tmp_path / "pkg")
    total = sum(p.stat().st_size for p in path.iterdir())
    diary = (path / "diary.csv").stat().st_size
    assert diary > 1000
    opened = []
    real_open = builtins.open

    def watched_open(file, *args, **kwargs):
        if Path(file).parent == path:
            opened.append(Path(file).name)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", watched_open)

    with (
        override_settings(IMPORT_MAX_UNCOMPRESSED_BYTES=1000),
        pytest.raises(PackageRefused) as refused,
    ):
        package_import(path=path)

    assert [str(p) for p in refused.value.problems] == [
        f"pkg: its files hold {total:,} bytes (diary.csv {diary:,}), more than the import "
        "limit of 1,000 bytes (IMPORT_MAX_UNCOMPRESSED_BYTES); nothing was read"
    ]
    assert opened == []
    assert set(row_counts().values()) == {0}


def test_a_file_that_grows_past_the_limit_while_read_is_refused(builder, tmp_path, monkeypatch):
    """The sizes checked first are only what the folder or the zip declares: the
    bytes are counted again as they are read."""
    from diary.package import reader

    path = builder.write(tmp_path / "pkg")
    monkeypatch.setattr(reader, "_declared_size", lambda source: 1)

    with (
        override_settings(IMPORT_MAX_UNCOMPRESSED_BYTES=2000),
        pytest.raises(PackageRefused) as refused,
    ):
        package_import(path=path)

    messages = [str(p) for p in refused.value.problems]
    assert len(messages) == 1
    assert messages[0].endswith(
        "the package's files hold more than the import limit of 2,000 bytes "
        "(IMPORT_MAX_UNCOMPRESSED_BYTES)"
    )
    assert set(row_counts().values()) == {0}


def test_a_package_within_the_limit_is_imported(builder, tmp_path):
    path = builder.write_zip(tmp_path / "pkg.zip")
    with zipfile.ZipFile(path) as archive:
        total = sum(info.file_size for info in archive.infolist())

    with override_settings(IMPORT_MAX_UNCOMPRESSED_BYTES=total):
        result = package_import(path=path)

    assert result.rows["diary.csv"] == len(builder.rows["diary.csv"])


def test_a_character_cut_between_two_reads_is_still_utf8(builder, tmp_path, monkeypatch):
    from diary.package import reader

    builder.row("screening.csv", screening_id="S005")["reason"] = "Gef\u00e4\u00dfe \u00fcber"
    monkeypatch.setattr(reader, "CHUNK", 7)  # cuts the two-byte characters somewhere

    result = package_import(path=builder.write_zip(tmp_path / "pkg.zip", bom=True))

    assert result.rows["screening.csv"] == len(builder.rows["screening.csv"])


def test_a_bad_byte_after_many_reads_is_refused_on_its_line(builder, tmp_path, monkeypatch):
    from diary.package import reader

    path = builder.write(tmp_path / "pkg")
    text = builder.csv_text("screening.csv").encode()
    lines = text.split(b"\n")
    lines[5] = lines[5] + b"\xff"
    (path / "screening.csv").write_bytes(b"\n".join(lines))
    monkeypatch.setattr(reader, "CHUNK", 16)

    with pytest.raises(PackageRefused) as refused:
        package_import(path=path)

    assert [str(p) for p in refused.value.problems] == [
        "screening.csv:6: the file is not UTF-8 text"
    ]


def test_a_trial_json_larger_than_a_protocol_is_refused_unread(builder, tmp_path):
    path = builder.write(tmp_path / "pkg")
    (path / "trial.json").write_text(" " * (1 << 20) + "{}")

    with pytest.raises(PackageRefused) as refused:
        package_import(path=path)

    assert "trial.json: the file holds 1,048,578 bytes; a protocol holds at most 1,048,576" in [
        str(p) for p in refused.value.problems
    ]


def _rezipped(builder, tmp_path, *, flag_bits=0, compress_type=None) -> Path:
    """The builder's package as a zip whose members carry the given header fields (as
    another tool may write them)."""
    path = builder.write_zip(tmp_path / "package.zip")
    data = bytearray(path.read_bytes())
    # Local headers (flags at +6, method at +8), central directory entries (+8, +10).
    for signature, flags_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        start = 0
        while (found := data.find(signature, start)) != -1:
            if flag_bits:
                flags = struct.unpack_from("<H", data, found + flags_at)[0]
                struct.pack_into("<H", data, found + flags_at, flags | flag_bits)
            if compress_type is not None:
                struct.pack_into("<H", data, found + method_at, compress_type)
            start = found + 4
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize(
    ("header", "message"),
    [({"flag_bits": 0x1}, "encrypted"), ({"compress_type": 99}, "compressed with method 99")],
)
def test_a_zip_member_that_cannot_be_read_is_refused_naming_it(builder, tmp_path, header, message):
    before = row_counts()
    with pytest.raises(PackageRefused) as refused:
        package_import(path=_rezipped(builder, tmp_path, **header))
    assert any(p.file == "trial.json" and message in p.message for p in refused.value.problems)
    assert row_counts() == before


def test_a_trial_json_nested_too_deeply_is_refused(builder, tmp_path):
    path = builder.write(tmp_path / "package")
    (path / "trial.json").write_text("[" * 100_000)
    with pytest.raises(PackageRefused) as refused:
        package_import(path=path)
    assert any("nested too deeply" in p.message for p in refused.value.problems)
