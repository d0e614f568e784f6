from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from exchange.publiccode.export import render_issues, software_publiccode
from hub import selectors


class Command(BaseCommand):
    help = "Software als publiccode.yml exportieren / export a software entry as publiccode.yml"

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("-o", "--output", type=Path, help="Datei statt Standardausgabe")
        parser.add_argument("--force", action="store_true",
                            help="auch schreiben, wenn die Datei nicht gültig wäre")
        parser.add_argument("--lang", choices=["de", "en"], default="de")

    def handle(self, *args, **options):
        software = selectors.software_get(slug=options["slug"])
        if software is None:
            raise CommandError(f"Unbekannte Software / unknown software: {options['slug']}")
        text, checked = software_publiccode(software=software)
        problems = render_issues(checked, options["lang"])
        for line in problems:
            self.stderr.write(f"! {line}")
        if problems and not options["force"]:
            raise CommandError(f"{len(problems)} Fehler: publiccode.yml wäre ungültig / would be invalid")
        if options["output"]:
            options["output"].write_text(text, encoding="utf-8")
            self.stdout.write(f"{software.slug}: {options['output']}")
        else:
            self.stdout.write(text, ending="")
