from pathlib import Path

from django.core.management.base import BaseCommand

from exchange.inventory import inventory_template


class Command(BaseCommand):
    help = "Leere Inventar-Vorlage (CSV) ausgeben / write the empty inventory template"

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", type=Path)
        parser.add_argument("--lang", choices=["de", "en"], default="de")

    def handle(self, *args, **options):
        text = inventory_template(lang=options["lang"])
        if options["output"]:
            options["output"].write_text(text, encoding="utf-8-sig")
            self.stdout.write(str(options["output"]))
        else:
            self.stdout.write(text, ending="")
