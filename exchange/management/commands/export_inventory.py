from pathlib import Path

from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandError

from exchange.inventory import inventory_export
from exchange.management.base import resolve_user
from hub import selectors


class Command(BaseCommand):
    help = ("Software-Inventar einer Kommune als CSV exportieren (Importformat) / export a "
            "municipality's inventory as CSV")

    def add_arguments(self, parser):
        parser.add_argument("ags")
        parser.add_argument("-o", "--output", type=Path)
        parser.add_argument("--lang", choices=["de", "en"], default="de")
        parser.add_argument("--user", help="sieht, was dieser Benutzer sehen darf (Standard: "
                                           "nur öffentliche Nutzungen)")

    def handle(self, *args, **options):
        municipality = selectors.municipality_get(ags=options["ags"])
        if municipality is None:
            raise CommandError(f"Unbekannter AGS / unknown AGS: {options['ags']}")
        user = resolve_user(options["user"]) or AnonymousUser()
        text = inventory_export(user=user, municipality=municipality, lang=options["lang"])
        if options["output"]:
            options["output"].write_text(text, encoding="utf-8-sig")
            self.stdout.write(f"{municipality.ags}: {options['output']}")
        else:
            self.stdout.write(text, ending="")
