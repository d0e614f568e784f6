"""English is a complete second language: catalogues are full and compiled, messages switch.

German is the source language, so a missing English entry silently shows German to an English
reader; these tests make such a gap fail instead.
"""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from hub import errors
from hub.models import UsageStatus
from hub.validators import validate_ags

REPO = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(
    p for p in REPO.glob("*/locale/*/LC_MESSAGES/*.po") if ".venv" not in p.parts
)


@dataclass
class Entry:
    """One message of a .po file; `strings` maps the plural index to the translation."""

    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    strings: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    locations: list[str] = field(default_factory=list)


def parse_po(path: Path) -> list[Entry]:
    """Just enough of the PO format for our own catalogues (obsolete `#~` entries are ignored)."""
    entries: list[Entry] = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        entry, target, seen = Entry(), None, False
        for line in block.splitlines():
            if line.startswith("#,"):
                entry.flags |= {f.strip() for f in line[2:].split(",")}
            elif line.startswith("#:"):
                entry.locations += line[2:].split()
            elif line.startswith("#"):
                continue
            elif m := re.match(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")$", line):
                keyword, index, text = m.groups()
                value = ast.literal_eval(text)
                if keyword.startswith("msgstr"):
                    target = ("str", int(index or 0))
                    entry.strings[target[1]] = value
                else:
                    target = (keyword, None)
                    setattr(entry, keyword, value)
                    seen = seen or keyword == "msgid"
            elif line.startswith('"') and target:
                value = ast.literal_eval(line)
                if target[0] == "str":
                    entry.strings[target[1]] += value
                else:
                    setattr(entry, target[0], getattr(entry, target[0]) + value)
        if seen:
            entries.append(entry)
    return entries


def test_repo_has_the_english_catalogues_of_every_translated_app():
    apps = {p.parts[len(REPO.parts)] for p in CATALOGUES}
    assert {"hub", "api", "web", "exchange", "graph", "knowledge"} <= apps


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(REPO)))
def test_catalogue_has_no_untranslated_or_fuzzy_entries(path):
    entries = [e for e in parse_po(path) if e.msgid]
    assert entries
    untranslated = [e.msgid for e in entries if not e.strings or not all(e.strings.values())]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(REPO)))
def test_compiled_catalogue_matches_its_source(path):
    """The Makefile does not compile messages, so a stale .mo would ship old translations."""
    with path.with_suffix(".mo").open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    for entry in parse_po(path):
        if not entry.msgid:
            continue
        if entry.msgid_plural is not None:
            for n, index in ((1, 0), (2, 1)):
                if entry.msgctxt:
                    text = compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                else:
                    text = compiled.ngettext(entry.msgid, entry.msgid_plural, n)
                assert text == entry.strings[index]
        elif entry.msgctxt:
            assert compiled.pgettext(entry.msgctxt, entry.msgid) == entry.strings[0]
        else:
            assert compiled.gettext(entry.msgid) == entry.strings[0]


def test_placeholders_survive_translation():
    for path in CATALOGUES:
        for entry in parse_po(path):
            placeholders = sorted(re.findall(r"%\(\w+\)[-.\d]*[sdf]|%[sd]", entry.msgid))
            for text in entry.strings.values():
                if entry.msgid:
                    assert sorted(re.findall(r"%\(\w+\)[-.\d]*[sdf]|%[sd]", text)) == placeholders, (
                        path, entry.msgid)


def test_ags_validation_error_is_english_when_english_is_active():
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        validate_ags("99123456")
    assert caught.value.code == errors.INVALID_AGS
    with translation.override("en"):
        message = caught.value.messages[0]
    assert message.startswith("“99123456” is not a valid official municipality key (AGS)")
    with translation.override("de"):
        assert caught.value.messages[0].startswith("„99123456“ ist kein gültiger")


def test_usage_status_labels_are_english_when_english_is_active():
    with translation.override("en"):
        assert str(UsageStatus.PRODUCTION.label) == "in production"
        assert str(UsageStatus.RETIRED.label) == "retired"
        assert str(UsageStatus.EVALUATING.label) == "evaluating"
    with translation.override("de"):
        assert str(UsageStatus.PRODUCTION.label) == "im Einsatz"


def test_article_status_in_review_is_not_the_usage_status_evaluating():
    """Both are „in Prüfung“ in German; a message context keeps their English apart."""
    from knowledge.models import ArticleStatus

    with translation.override("en"):
        assert str(ArticleStatus.IN_REVIEW.label) == "in review"


def test_command_summaries_use_english_plural_forms():
    with translation.override("en"):
        assert translation.ngettext("%(n)s Treffer.", "%(n)s Treffer.", 1) % {"n": 1} == "1 match."
        assert translation.ngettext("%(n)s Treffer.", "%(n)s Treffer.", 3) % {"n": 3} == "3 matches."


def _frame(html: str) -> str:
    """Header and footer of the base template, without the page's own content."""
    return html.split('<main id="main">')[0] + html.split("</main>")[-1]


@pytest.mark.parametrize("visitor", ["client", "admin_client"])
def test_page_frame_has_no_german_in_english(request, world, visitor):
    client = request.getfixturevalue(visitor)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    frame = _frame(html)
    assert '<html lang="en">' in html
    base_entries = [
        entry
        for path in CATALOGUES
        for entry in parse_po(path)
        if entry.msgid and any(loc.startswith("templates/base.html") for loc in entry.locations)
    ]
    assert len(base_entries) >= 10
    shown = 0
    for entry in base_entries:
        if entry.strings[0] in frame:
            shown += 1
        if entry.msgid != entry.strings[0]:
            assert entry.msgid not in frame, entry.msgid
    assert shown >= 10
    for german in ("Kommunen", "Leistungen", "Vergleich", "Sprache", "Wechseln", "Gemeindedaten"):
        assert german not in frame
