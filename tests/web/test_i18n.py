"""The English switch: every German string of the web interface has a translation."""

import re
from pathlib import Path

from django.utils import translation

PO = Path(__file__).resolve().parents[2] / "web" / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_english_catalogue_is_complete():
    text = PO.read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]
    untranslated = [e for e in entries if re.search(r'^msgstr(\[\d\])? ""\n?$', e, re.M)
                    and not re.search(r'^msgstr(\[\d\])? ""\n"', e, re.M)]
    assert untranslated == []
    assert "#, fuzzy" not in text
    assert PO.with_suffix(".mo").exists()


def test_compiled_catalogue_is_used():
    with translation.override("en"):
        assert translation.gettext("Finde Kommunen mit der gleichen Lösung") == \
            "Find municipalities with the same solution"
        assert translation.ngettext("%(n)s Kommune", "%(n)s Kommunen", 2) == "%(n)s municipalities"
