"""`manage.py load_demo [--only municipalities,services,...]`: see hub.demo."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from hub import demo
from hub.models import Municipality


class Command(BaseCommand):
    help = _("Lädt Gemeinden, Kreise, Leistungen, IT-Dienstleister, Software und Demodaten "
             "(idempotent).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--only", default="",
            help=_("Nur diese Abschnitte laden, kommagetrennt: %(sections)s")
            % {"sections": ", ".join(demo.SECTIONS)},
        )
        parser.add_argument(
            "--if-empty", action="store_true",
            help=_("Nichts tun, wenn schon Kommunen geladen sind (für `make run`)."),
        )

    def handle(self, *args, only: str, if_empty: bool, **options) -> None:
        if if_empty and Municipality.objects.exists():
            self.stdout.write(_("Demodaten sind schon geladen – nichts zu tun."))
            return
        sections = [s.strip() for s in only.split(",") if s.strip()] or None
        started = time.monotonic()
        try:
            counts = demo.load(only=sections)
        except demo.UnknownSection as exc:
            raise CommandError(_("Unbekannter Abschnitt: %(names)s") % {"names": exc}) from exc
        summary = "; ".join(f"{section}: " + ", ".join(f"{k}={v}" for k, v in c.items())
                            for section, c in counts.items())
        self.stdout.write(_("Demodaten geladen in %(seconds).1f s – %(summary)s")
                          % {"seconds": time.monotonic() - started, "summary": summary})
