import datetime as dt
from pathlib import Path

from exchange import report as rp
from exchange.gvisys import import_municipalities, read_mergers
from exchange.management.base import ReportCommand
from exchange.text import decode


class Command(ReportCommand):
    help = ("Gemeindeverzeichnis (Destatis GV-ISys, CSV) importieren: Länder, Regierungsbezirke, "
            "Kreise, Gemeindeverbände, Gemeinden / import the official municipality register")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--as-of", type=dt.date.fromisoformat,
                            help="Stichtag für Auflösungen (JJJJ-MM-TT, Standard: heute)")
        parser.add_argument("--mergers", type=Path,
                            help="CSV alt_ags;neu_ags: Nachfolger aufgelöster Gemeinden")
        parser.add_argument("--allow-mass-dissolve", action="store_true",
                            help="auch dann auflösen, wenn mehr als 10 %% der Kommunen fehlen")
        super().add_arguments(parser)

    def handle(self, *args, **options):
        mergers = {}
        if options["mergers"]:
            scratch = rp.Report(str(options["mergers"]))
            decoded = decode(options["mergers"].read_bytes(), scratch)
            mergers = read_mergers(decoded.text, scratch) if decoded else {}
        report = import_municipalities(
            actor=self.actor(options), data=options["file"].read_bytes(),
            source=options["file"].name, dry_run=options["dry_run"], as_of=options["as_of"],
            mergers=mergers, allow_mass_dissolve=options["allow_mass_dissolve"],
            progress=self.progress(options))
        self.finish(report, options)
