"""`manage.py discover …`: reuse discovery from the shell, as a given user (default anonymous).

    manage.py discover similar 05158004 [--first 10] [--same-state] [--same-kind] [--band same]
    manage.py discover recommendations 05158004
    manage.py discover used-by SLUG [--status production pilot] [--state 05] [--kreis AGS] [--service KEY]
    manage.py discover used-with SLUG
    manage.py discover offered-by LEIKA-KEY|OZG-ID
    manage.py discover replaced-by SLUG / replaces SLUG
    manage.py discover planned-by SLUG [--viewer AGS]
    manage.py discover connections FROM-AGS TO-AGS [--max-hops 3]
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from graph import selectors
from hub.selectors import municipality_get, service_get, software_get


class Command(BaseCommand):
    help = _("Findet ähnliche Kommunen, Empfehlungen, Nutzer, Migrationspfade und Kontakte.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", help=_("als dieser Benutzer lesen (Standard: anonym)"))
        parser.add_argument("--first", type=int, default=10)
        sub = parser.add_subparsers(dest="query", required=True)
        similar = sub.add_parser("similar")
        similar.add_argument("ags")
        similar.add_argument("--same-state", action="store_true")
        similar.add_argument("--same-kind", action="store_true")
        similar.add_argument("--band", help=_("Größenklasse, z. B. 5k-20k, oder same"))
        sub.add_parser("recommendations").add_argument("ags")
        used_by = sub.add_parser("used-by")
        used_by.add_argument("slug")
        used_by.add_argument("--status", nargs="+")
        used_by.add_argument("--state")
        used_by.add_argument("--kreis", metavar="AGS")
        used_by.add_argument("--service", metavar="KEY")
        for name in ("used-with", "replaced-by", "replaces"):
            sub.add_parser(name).add_argument("slug")
        sub.add_parser("offered-by").add_argument("service", metavar="KEY")
        planned = sub.add_parser("planned-by")
        planned.add_argument("slug")
        planned.add_argument("--viewer", metavar="AGS")
        connections = sub.add_parser("connections")
        connections.add_argument("source", metavar="FROM-AGS")
        connections.add_argument("target", metavar="TO-AGS")
        connections.add_argument("--max-hops", type=int, default=3)

    def handle(self, *args, **options) -> None:
        user = AnonymousUser()
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(_("Unbekannter Benutzer %(u)s.") % {"u": options["user"]})
        try:
            lines = getattr(self, "_" + options["query"].replace("-", "_"))(user, options)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        for line in lines:
            self.stdout.write(line)
        self.stdout.write(ngettext("%(n)s Treffer.", "%(n)s Treffer.", len(lines)) % {"n": len(lines)})

    # lookups ---------------------------------------------------------------------------
    @staticmethod
    def _municipality(ags: str | None):
        if ags is None:
            return None
        place = municipality_get(ags=ags)
        if place is None:
            raise CommandError(_("Keine Kommune mit AGS %(ags)s.") % {"ags": ags})
        return place

    @staticmethod
    def _software(slug: str):
        product = software_get(slug=slug)
        if product is None:
            raise CommandError(_("Keine Software mit Slug %(slug)s.") % {"slug": slug})
        return product

    @staticmethod
    def _service(key: str | None):
        if key is None:
            return None
        service = service_get(leika_key=key) if len(key) == 14 else service_get(ozg_id=key)
        if service is None:
            raise CommandError(_("Keine Leistung mit Schlüssel %(key)s.") % {"key": key})
        return service

    # queries ---------------------------------------------------------------------------
    def _similar(self, user, o) -> list[str]:
        hits = selectors.municipality_similar(
            user=user, municipality=self._municipality(o["ags"]), first=o["first"],
            same_state=o["same_state"], same_kind=o["same_kind"], population_band=o["band"])
        return [f"{h.score:9.6f}  {h.municipality.ags}  {h.municipality.name}  "
                f"({', '.join(s.name for s in h.shared_software)})" for h in hits]

    def _recommendations(self, user, o) -> list[str]:
        hits = selectors.municipality_recommendations(
            user=user, municipality=self._municipality(o["ags"]), first=o["first"])
        return [f"{h.score:9.6f}  {h.software.slug}  {len(h.used_by)} "
                f"{_('ähnliche Kommunen')}, Ø {h.average_satisfaction or 0:.1f}" for h in hits]

    def _used_by(self, user, o) -> list[str]:
        kreis = self._municipality(o["kreis"])
        usages = selectors.software_used_by(
            user=user, software=self._software(o["slug"]), statuses=o["status"], state=o["state"],
            kreis=kreis, service=self._service(o["service"]), first=200)
        return [f"{u.municipality.ags}  {u.municipality.name}  {u.get_status_display()}"
                for u in usages]

    def _used_with(self, user, o) -> list[str]:
        hits = selectors.software_used_with(user=user, software=self._software(o["slug"]),
                                            first=o["first"])
        return [f"lift {h.lift:7.3f}  {h.together:5d}×  {h.software.slug}" for h in hits]

    def _offered_by(self, user, o) -> list[str]:
        offers = selectors.service_offered_by(user=user, service=self._service(o["service"]))
        return [f"{x.municipality.ags}  {x.municipality.name}  {x.software.name}" for x in offers]

    def _replaced_by(self, user, o) -> list[str]:
        hits = selectors.software_replaced_by(user=user, software=self._software(o["slug"]))
        return [f"{h.count:5d}×  → {h.software.slug}" for h in hits]

    def _replaces(self, user, o) -> list[str]:
        hits = selectors.software_replaces(user=user, software=self._software(o["slug"]))
        return [f"{h.count:5d}×  ← {h.software.slug}" for h in hits]

    def _planned_by(self, user, o) -> list[str]:
        plans = selectors.software_planned_by(user=user, software=self._software(o["slug"]),
                                              viewer=self._municipality(o["viewer"]))
        return [f"{p.usage.municipality.ags}  {p.usage.municipality.name}  "
                f"{p.usage.get_status_display()}"
                f"{'  ' + _('offen für gemeinsame Beschaffung') if p.joint_procurement else ''}"
                for p in plans]

    def _connections(self, user, o) -> list[str]:
        paths = selectors.municipality_connections(
            user=user, source=self._municipality(o["source"]),
            target=self._municipality(o["target"]), max_hops=o["max_hops"], first=o["first"])
        lines = []
        for path in paths:
            parts = [str(path.nodes[0])]
            for rel, node in zip(path.relationships, path.nodes[1:], strict=True):
                parts.append(f"-[{rel}]- {node}")
            lines.append(" ".join(parts))
        return lines
