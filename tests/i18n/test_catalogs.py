"""The Simplified Chinese catalog is complete and compiled: every string marked for
translation has its translation, nothing fuzzy, the compiled .mo says what the .po
says, and no marked string of the app is missing from the catalog."""

import ast
import gettext
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

CATALOG = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


def po_entries(path: Path) -> dict[str, dict]:
    """{key: {"msgid", "context", "msgstr": [...], "fuzzy": bool}} of a .po file (the
    header left out); the key is the msgid, prefixed by "context\x04" as gettext does
    for a message with a context."""
    entries, entry, key = {}, None, None

    def close():
        if entry and entry["msgid"]:
            context = entry["context"]
            entries[f"{context}\x04{entry['msgid']}" if context else entry["msgid"]] = entry

    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            close()
            entry, key = None, None
            continue
        if entry is None:
            entry = {"msgid": "", "context": None, "plural": None, "msgstr": [], "fuzzy": False}
        if line.startswith("#,") and "fuzzy" in line:
            entry["fuzzy"] = True
        if line.startswith("#"):
            continue
        head, _, rest = line.partition(" ")
        if head in ("msgctxt", "msgid", "msgid_plural") or head.startswith("msgstr"):
            key = head
            value = ast.literal_eval(rest)
            if head.startswith("msgstr"):
                entry["msgstr"].append(value)
            elif head == "msgid":
                entry["msgid"] = value
            elif head == "msgctxt":
                entry["context"] = value
            else:
                entry["plural"] = value
        else:
            value = ast.literal_eval(line)
            if key.startswith("msgstr"):
                entry["msgstr"][-1] += value
            elif key == "msgid":
                entry["msgid"] += value
            elif key == "msgctxt":
                entry["context"] += value
            else:
                entry["plural"] += value
    return entries


def test_every_string_has_its_chinese_translation_and_none_is_fuzzy():
    entries = po_entries(CATALOG / "django.po")
    assert len(entries) > 100
    untranslated = [m for m, e in entries.items() if not all(e["msgstr"]) or not e["msgstr"]]
    fuzzy = [m for m, e in entries.items() if e["fuzzy"]]
    assert untranslated == [] and fuzzy == []


def test_the_compiled_catalog_matches_its_source():
    with (CATALOG / "django.mo").open("rb") as compiled:
        translations = gettext.GNUTranslations(compiled)
    for key, entry in po_entries(CATALOG / "django.po").items():
        msgid, context = entry["msgid"], entry["context"]
        if context is not None:
            assert translations.pgettext(context, msgid) == entry["msgstr"][0], key
        elif entry["plural"] is None:
            assert translations.gettext(msgid) == entry["msgstr"][0], msgid
        else:
            assert translations.ngettext(msgid, entry["plural"], 2) == entry["msgstr"][0], msgid


def test_no_marked_string_is_missing_from_the_catalog(tmp_path):
    if not shutil.which("xgettext"):
        pytest.skip("GNU gettext is not installed (apt-get install gettext)")
    scratch = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES"
    scratch.mkdir(parents=True)
    shutil.copy(CATALOG / "django.po", scratch / "django.po")
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        call_command(
            "makemessages",
            locale=["zh_Hans"],
            ignore_patterns=["tests/*", "bench/*", "var/*", "test-artifacts/*", "locale/*"],
            verbosity=0,
        )
    extracted = po_entries(scratch / "django.po")
    committed = po_entries(CATALOG / "django.po")
    new = sorted(m for m, e in extracted.items() if not e["msgstr"] or not all(e["msgstr"]))
    assert new == [], "marked but not in locale/zh_Hans (run makemessages and translate)"
    assert set(extracted) == set(committed)
