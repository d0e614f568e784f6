"""The English catalogue is compiled and complete: every entry of api/locale/en's .po comes
back translated, so a stale .mo (edit the .po, run `make messages`) fails here."""

import re
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext

PO = Path(__file__).resolve().parents[2] / "api" / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _entries() -> list[tuple[str, str]]:
    text = PO.read_text()
    pairs = re.findall(r'^msgid "(.+)"\nmsgstr "(.+)"$', text, flags=re.M)
    return [(a.encode().decode("unicode_escape").encode("latin-1").decode(),
             b.encode().decode("unicode_escape").encode("latin-1").decode()) for a, b in pairs]


def test_every_api_message_has_its_english_translation_compiled():
    entries = _entries()
    assert len(entries) > 30  # the hub's own messages live in hub/locale
    with translation.override("en"):
        missing = [source for source, english in entries if gettext(source) != english]
    assert missing == []
