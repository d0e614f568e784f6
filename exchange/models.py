"""What the imports keep besides the hub domain itself.

- `AdminArea`: the GV-ISys levels the hub has no entity for — Regierungsbezirke, the regions
  of Baden-Württemberg and the Gemeindeverbände (Ämter, Verbandsgemeinden, Samtgemeinden,
  Verwaltungsgemeinschaften), keyed like the ARS prefix. In several Länder the Gemeindeverband
  is the administration that actually runs the software of its Gemeinden.
- `PubliccodeDocument`: the publiccode.yml a Software entry was imported from, so an export
  can give back everything the hub has no field for (all localised descriptions, contacts,
  dependencies) instead of a lossy subset.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from hub.models import Software, State


class AdminAreaLevel(models.TextChoices):
    REGIERUNGSBEZIRK = "rb", _("Regierungsbezirk")
    REGION = "region", _("Region")
    GEMEINDEVERBAND = "verband", _("Gemeindeverband")


class AdminArea(models.Model):
    level = models.CharField(_("Ebene"), max_length=10, choices=AdminAreaLevel.choices)
    key = models.CharField(_("Schlüssel"), max_length=9,
                           help_text=_("ARS-Präfix: RB 3, Region 4, Gemeindeverband 9 Ziffern"))
    name = models.CharField(_("Name"), max_length=200)
    text_code = models.CharField(_("Textkennzeichen"), max_length=2, blank=True)
    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="admin_areas",
                              verbose_name=_("Land"))
    dissolved_on = models.DateField(_("aufgelöst am"), null=True, blank=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("Verwaltungsebene")
        verbose_name_plural = _("Verwaltungsebenen")
        constraints = [
            models.UniqueConstraint(fields=["level", "key"], name="adminarea_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"


class PubliccodeDocument(models.Model):
    software = models.OneToOneField(Software, on_delete=models.CASCADE,
                                    related_name="publiccode_document",
                                    verbose_name=_("Software"))
    document = models.JSONField(_("publiccode.yml (Inhalt)"))
    version = models.CharField(_("publiccodeYmlVersion"), max_length=10)
    source = models.CharField(_("Quelle"), max_length=500, blank=True)
    sha256 = models.CharField(_("Prüfsumme"), max_length=64)
    imported_at = models.DateTimeField(_("importiert"), auto_now=True)

    class Meta:
        verbose_name = _("publiccode.yml-Dokument")
        verbose_name_plural = _("publiccode.yml-Dokumente")

    def __str__(self) -> str:
        return f"publiccode.yml: {self.software}"
