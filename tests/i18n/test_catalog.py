"""The Simplified Chinese catalog is complete, and the compiled .mo in the repository is the
one its .po compiles to (users run the portal without GNU gettext)."""

import ast
import gettext
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

PO = settings.BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# The same folders `make messages` leaves out.
IGNORED = [".venv", "var", "test-artifacts", "bench", "node_modules"]


def read_po(path: Path) -> list[dict]:
    """A .po file as entries: msgid (with any context), plural, msgstr(s), flags."""
    entries, entry, key = [], None, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry and entry.get("msgid") is not None:
                entries.append(entry)
            entry, key = None, None
            continue
        entry = entry if entry is not None else {"flags": set(), "msgstr": {}}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if isinstance(key, int):
                entry["msgstr"][key] += value
            else:
                entry[key] += value
        else:
            keyword, literal = line.split(" ", 1)
            value = ast.literal_eval(literal)
            if keyword.startswith("msgstr"):
                key = int(keyword[7:-1]) if "[" in keyword else 0
                entry["msgstr"][key] = value
            else:
                key = keyword
                entry[key] = value
    return [e for e in entries if e["msgid"] != ""]  # the header


def catalog_key(entry: dict) -> str:
    return f"{entry['msgctxt']}\x04{entry['msgid']}" if "msgctxt" in entry else entry["msgid"]


def test_every_message_is_translated_and_none_is_fuzzy():
    entries = read_po(PO)

    assert len(entries) > 900
    assert [e["msgid"] for e in entries if not all(e["msgstr"].values())] == []
    assert [e["msgid"] for e in entries if "fuzzy" in e["flags"]] == []


def test_the_committed_mo_is_compiled_from_the_po():
    with MO.open("rb") as f:
        compiled = gettext.GNUTranslations(f)._catalog  # type: ignore[attr-defined]

    for entry in read_po(PO):
        if "msgid_plural" in entry:
            assert compiled[(entry["msgid"], 0)] == entry["msgstr"][0], entry["msgid"]
        else:
            assert compiled[catalog_key(entry)] == entry["msgstr"][0], entry["msgid"]


@pytest.mark.skipif(not shutil.which("xgettext"), reason="GNU gettext is not installed")
def test_makemessages_finds_no_string_the_catalog_lacks(settings, tmp_path, monkeypatch):
    # given: a copy of the sources with an empty locale folder, so makemessages writes a
    # fresh catalog there and leaves the committed one alone
    source = tmp_path / "source"
    shutil.copytree(
        settings.BASE_DIR,
        source,
        ignore=shutil.ignore_patterns(*IGNORED, "locale", ".*", "__pycache__", "*.pyc"),
    )
    monkeypatch.chdir(source)
    settings.LOCALE_PATHS = [source / "locale"]
    (source / "locale").mkdir()

    # when
    call_command("makemessages", locale=["zh_Hans"], ignore_patterns=IGNORED, verbosity=0)

    # then
    fresh = {catalog_key(e) for e in read_po(source / "locale/zh_Hans/LC_MESSAGES/django.po")}
    committed = {catalog_key(e) for e in read_po(PO)}
    assert sorted(fresh - committed) == [], "run `make messages` and translate the new strings"
    assert sorted(committed - fresh) == [], "run `make messages` to drop obsolete strings"
