"""What every import/export command shares: --dry-run, --user, --lang, --json, and printing
the report (summary on stdout; rejections and warnings on stderr, in German or English)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from exchange import report as rp


class ReportCommand(BaseCommand):
    dry_run_option = True

    def add_arguments(self, parser: CommandParser) -> None:
        if self.dry_run_option:
            parser.add_argument("--dry-run", action="store_true",
                                help="nur prüfen und berichten, nichts speichern / check only")
        parser.add_argument("--user", help="Benutzername, der als Autor gilt / acting user")
        parser.add_argument("--lang", choices=["de", "en"], default="de",
                            help="Sprache des Berichts / report language")
        parser.add_argument("--json", type=Path, metavar="FILE",
                            help="vollständigen Bericht (de+en) als JSON schreiben / write report as JSON")

    def actor(self, options: dict[str, Any]):
        return resolve_user(options.get("user"))

    def progress(self, options: dict[str, Any]) -> bool:
        return options.get("verbosity", 1) >= 1 and not options.get("json")

    def finish(self, report: rp.Report, options: dict[str, Any]) -> None:
        lang = options.get("lang", "de")
        if options.get("json"):
            options["json"].write_text(json.dumps(report.as_dict(), ensure_ascii=False, indent=2),
                                       encoding="utf-8")
        if options.get("verbosity", 1) >= 1:
            for issue in report.all_issues():
                marker = "!" if issue.level == rp.ERROR else "~"
                self.stderr.write(f"{marker} {issue.render(lang)}")
        self.stdout.write(report.summary(lang))
        if report.errors:  # non-zero exit status, e.g. for CI checks of publiccode.yml files
            raise CommandError(f"{len(report.errors)} Fehler / errors")


def resolve_user(name: str | None):
    if not name:
        return None
    try:
        return get_user_model().objects.get(username=name)
    except get_user_model().DoesNotExist as exc:
        raise CommandError(f"Unbekannter Benutzer / unknown user: {name}") from exc
