"""Core domain of the hub: who (municipalities, organisations, contacts) uses what
(software, services), and who works together (memberships, collaborations).

Rules that must hold whatever path writes the data (service, admin, import, shell) live
here, as validators in `clean()` and as database constraints, so both SQLite and
PostgreSQL refuse bad rows.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from hub import errors, loading
from hub.validators import (
    ars_matches_ags,
    validate_ags,
    validate_ars,
    validate_leika_key,
    validate_ozg_id,
)


class Visibility(models.TextChoices):
    PUBLIC = "public", _("öffentlich")
    MEMBERS = "members", _("nur Mitglieder")


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("angelegt"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert"), auto_now=True)

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        # Rows load without Model.__init__ where that changes nothing (hub/loading.py).
        return loading.from_db(cls, db, field_names, values)


class State(models.Model):
    """A Land (Bundesland). Kept apart from Municipality because the city states' Land
    code and their municipality's AGS coincide (Berlin 11000000)."""

    code = models.CharField(_("Länderschlüssel"), max_length=2, unique=True)
    name = models.CharField(_("Name"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("Land")
        verbose_name_plural = _("Länder")

    def __str__(self) -> str:
        return self.name


class MunicipalityKind(models.TextChoices):
    GEMEINDE = "gemeinde", _("Gemeinde")
    MARKT = "markt", _("Markt")
    STADT = "stadt", _("Stadt")
    MITTLERE_KREISANGEHOERIGE_STADT = "mittlere_kas", _("Mittlere kreisangehörige Stadt")
    GROSSE_KREISANGEHOERIGE_STADT = "grosse_kas", _("Große kreisangehörige Stadt")
    GROSSE_KREISSTADT = "grosse_kreisstadt", _("Große Kreisstadt")
    KREISFREIE_STADT = "kreisfreie_stadt", _("Kreisfreie Stadt")
    KREIS = "kreis", _("Kreis")
    LAND = "land", _("Land")
    GEMEINDEFREI = "gemeindefrei", _("Gemeindefreies Gebiet")


class Municipality(TimeStamped):
    """A Kommune: a Gemeinde, a Stadt or a Kreis, keyed by its AGS."""

    ags = models.CharField(
        _("AGS"), max_length=8, unique=True, validators=[validate_ags],
        help_text=_("Amtlicher Gemeindeschlüssel, 8 Ziffern"),
    )
    ars = models.CharField(
        _("ARS"), max_length=12, blank=True, validators=[validate_ars],
        help_text=_("Amtlicher Regionalschlüssel, 12 Ziffern"),
    )
    name = models.CharField(_("amtlicher Name"), max_length=200)
    short_name = models.CharField(_("Kurzname"), max_length=200, blank=True)
    kind = models.CharField(_("Art"), max_length=20, choices=MunicipalityKind.choices)
    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="municipalities",
                              verbose_name=_("Land"))
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("Kreis"), limit_choices_to={"kind": MunicipalityKind.KREIS},
    )
    population = models.PositiveIntegerField(_("Einwohner"), null=True, blank=True)
    area_km2 = models.DecimalField(_("Fläche (km²)"), max_digits=9, decimal_places=2,
                                   null=True, blank=True)
    postal_code = models.CharField(_("PLZ"), max_length=5, blank=True)
    website = models.URLField(_("Website"), blank=True)
    latitude = models.FloatField(_("Breitengrad"), null=True, blank=True,
                                 validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.FloatField(_("Längengrad"), null=True, blank=True,
                                  validators=[MinValueValidator(-180), MaxValueValidator(180)])
    description = models.TextField(_("Profil"), blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged_from",
        verbose_name=_("aufgegangen in"),
    )
    dissolved_on = models.DateField(_("aufgelöst am"), null=True, blank=True)
    is_demo = models.BooleanField(_("Demodaten"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "ags"]
        verbose_name = _("Kommune")
        verbose_name_plural = _("Kommunen")
        constraints = [
            models.CheckConstraint(
                condition=Q(population__isnull=True) | Q(population__gte=0),
                name="municipality_population_non_negative",
            ),
        ]
        indexes = [models.Index(fields=["state", "kind"]), models.Index(fields=["parent"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.ags})"

    def clean(self) -> None:
        problems: dict[str, list[ValidationError]] = {}
        if self.ars and self.ags and not ars_matches_ags(self.ars, self.ags):
            problems.setdefault("ars", []).append(ValidationError(
                _("Der Regionalschlüssel %(ars)s passt nicht zum AGS %(ags)s."),
                code=errors.ARS_AGS_MISMATCH, params={"ars": self.ars, "ags": self.ags},
            ))
        if self.ags and self.state_id and self.state.code != self.ags[:2]:
            problems.setdefault("state", []).append(ValidationError(
                _("Der AGS %(ags)s gehört nicht zum Land %(state)s."),
                code=errors.INVALID_STATE, params={"ags": self.ags, "state": self.state.name},
            ))
        if self.parent_id and self.parent_id == self.pk:
            problems.setdefault("parent", []).append(
                ValidationError(_("Eine Kommune kann nicht ihr eigener Kreis sein."),
                                code=errors.INVALID))
        if problems:
            raise ValidationError(problems)

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


class OrganizationKind(models.TextChoices):
    IT_PROVIDER = "it_provider", _("IT-Dienstleister")
    ASSOCIATION = "association", _("Verband")
    VENDOR = "vendor", _("Hersteller")
    ZWECKVERBAND = "zweckverband", _("Zweckverband")
    LAND_BODY = "land_body", _("Landeseinrichtung")
    OTHER = "other", _("Sonstige")


class Organization(TimeStamped):
    """IT service providers (KRZN, ITK Rheinland), associations (KDN), vendors, …"""

    name = models.CharField(_("Name"), max_length=200)
    slug = models.SlugField(_("Kurzname (Slug)"), max_length=100, unique=True)
    kind = models.CharField(_("Art"), max_length=20, choices=OrganizationKind.choices)
    legal_form = models.CharField(_("Rechtsform"), max_length=100, blank=True)
    seat = models.CharField(_("Sitz"), max_length=100, blank=True)
    website = models.URLField(_("Website"), blank=True)
    description = models.TextField(_("Beschreibung"), blank=True)
    aliases = models.CharField(_("Weitere Namen"), max_length=300, blank=True)
    source_url = models.URLField(_("Quelle"), max_length=500, blank=True)
    is_demo = models.BooleanField(_("Demodaten"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("Organisation")
        verbose_name_plural = _("Organisationen")

    def __str__(self) -> str:
        return self.name


class MembershipRole(models.TextChoices):
    MEMBER = "member", _("Mitglied")
    CARRIER = "carrier", _("Träger")
    CLIENT = "client", _("Kunde (betreut)")
    PARTNER = "partner", _("Partner")


class Membership(TimeStamped):
    """A municipality or an organisation belongs to (or is served by) an organisation."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="memberships", verbose_name=_("Organisation"))
    member_municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, null=True, blank=True,
        related_name="memberships", verbose_name=_("Mitglied (Kommune)"),
    )
    member_organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True,
        related_name="member_of", verbose_name=_("Mitglied (Organisation)"),
    )
    role = models.CharField(_("Rolle"), max_length=20, choices=MembershipRole.choices,
                            default=MembershipRole.MEMBER)
    since = models.DateField(_("seit"), null=True, blank=True)
    until = models.DateField(_("bis"), null=True, blank=True)
    note = models.CharField(_("Anmerkung"), max_length=300, blank=True)
    source_url = models.URLField(_("Quelle"), max_length=500, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Mitgliedschaft")
        verbose_name_plural = _("Mitgliedschaften")
        constraints = [
            models.CheckConstraint(
                condition=(Q(member_municipality__isnull=False, member_organization__isnull=True)
                           | Q(member_municipality__isnull=True, member_organization__isnull=False)),
                name="membership_exactly_one_member",
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(since__isnull=True) | Q(until__gte=models.F("since")),
                name="membership_until_after_since",
            ),
            models.UniqueConstraint(fields=["organization", "member_municipality", "role"],
                                    condition=Q(member_municipality__isnull=False),
                                    name="membership_unique_municipality"),
            models.UniqueConstraint(fields=["organization", "member_organization", "role"],
                                    condition=Q(member_organization__isnull=False),
                                    name="membership_unique_organization"),
        ]

    def __str__(self) -> str:
        return f"{self.member_municipality or self.member_organization} → {self.organization}"

    def clean(self) -> None:
        if bool(self.member_municipality_id) == bool(self.member_organization_id):
            raise ValidationError(
                _("Genau ein Mitglied angeben: eine Kommune oder eine Organisation."),
                code=errors.OWNER_REQUIRED)
        if self.member_organization_id and self.member_organization_id == self.organization_id:
            raise ValidationError(
                {"member_organization": ValidationError(
                    _("Eine Organisation kann nicht Mitglied ihrer selbst sein."),
                    code=errors.INVALID)})
        _check_period(self.since, self.until)


def _check_period(since: dt.date | None, until: dt.date | None) -> None:
    if since and until and until < since:
        raise ValidationError(
            {"until": ValidationError(_("„bis“ liegt vor „seit“."), code=errors.UNTIL_BEFORE_SINCE)}
        )


class SoftwareCategory(models.Model):
    """The controlled taxonomy (Ratsinformationssystem, Einwohnerwesen, …); moderators edit it."""

    name = models.CharField(_("Name"), max_length=100, unique=True)
    slug = models.SlugField(_("Slug"), max_length=100, unique=True)
    description = models.TextField(_("Beschreibung"), blank=True)
    position = models.PositiveSmallIntegerField(_("Reihenfolge"), default=100)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("Software-Kategorie")
        verbose_name_plural = _("Software-Kategorien")

    def __str__(self) -> str:
        return self.name


class Software(TimeStamped):
    name = models.CharField(_("Name"), max_length=200)
    slug = models.SlugField(_("Slug"), max_length=100, unique=True)
    vendor = models.ForeignKey(Organization, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="products", verbose_name=_("Hersteller"))
    category = models.ForeignKey(SoftwareCategory, on_delete=models.PROTECT,
                                 related_name="software", verbose_name=_("Kategorie"))
    licence = models.CharField(_("Lizenz"), max_length=100, blank=True)
    is_open_source = models.BooleanField(_("Open Source"), default=False)
    homepage = models.URLField(_("Website"), max_length=500, blank=True)
    repository_url = models.URLField(_("Quellcode-Repository"), max_length=500, blank=True)
    publiccode_url = models.URLField(_("publiccode.yml"), max_length=500, blank=True)
    description = models.TextField(_("Beschreibung (Markdown)"), blank=True)
    aliases = models.CharField(_("Weitere Namen"), max_length=300, blank=True)
    platforms = models.CharField(_("Plattformen"), max_length=200, blank=True)
    is_demo = models.BooleanField(_("Demodaten"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("Software")
        verbose_name_plural = _("Software")
        indexes = [models.Index(fields=["category"])]

    def __str__(self) -> str:
        return self.name


class Themenfeld(models.Model):
    number = models.PositiveSmallIntegerField(_("Nummer"), unique=True)
    name = models.CharField(_("Name"), max_length=100, unique=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("Themenfeld")
        verbose_name_plural = _("Themenfelder")

    def __str__(self) -> str:
        return self.name


class Lebenslage(models.Model):
    number = models.PositiveSmallIntegerField(_("Nummer"), unique=True)
    name = models.CharField(_("Name"), max_length=200)
    themenfeld = models.ForeignKey(Themenfeld, on_delete=models.PROTECT,
                                   related_name="lebenslagen", verbose_name=_("Themenfeld"))

    class Meta:
        ordering = ["number"]
        verbose_name = _("Lebenslage")
        verbose_name_plural = _("Lebenslagen")

    def __str__(self) -> str:
        return self.name


class ServiceKind(models.TextChoices):
    OZG = "ozg", _("OZG-Leistung")
    LEIKA = "leika", _("LeiKa-Leistung")


class Service(TimeStamped):
    """A public service: an OZG-Leistung (OZG id) or a LeiKa-Leistung (14-digit key) linked to
    its OZG-Leistung. LeiKa rows the catalogue marks "nicht im LeiKa" keep no key."""

    kind = models.CharField(_("Art"), max_length=10, choices=ServiceKind.choices)
    name = models.CharField(_("Name"), max_length=300)
    leika_key = models.CharField(_("LeiKa-Schlüssel"), max_length=14, null=True, blank=True,
                                 unique=True, validators=[validate_leika_key])
    ozg_id = models.CharField(_("OZG-ID"), max_length=5, blank=True, validators=[validate_ozg_id])
    typisierung = models.CharField(_("Typisierung"), max_length=20, blank=True)
    ozg_service = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="leika_services",
                                    verbose_name=_("OZG-Leistung"),
                                    limit_choices_to={"kind": ServiceKind.OZG})
    themenfeld = models.ForeignKey(Themenfeld, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="services", verbose_name=_("Themenfeld"))
    lebenslage = models.ForeignKey(Lebenslage, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="services", verbose_name=_("Lebenslage"))
    description = models.TextField(_("Beschreibung"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("Leistung")
        verbose_name_plural = _("Leistungen")
        constraints = [
            models.UniqueConstraint(fields=["ozg_id"], condition=Q(kind="ozg"),
                                    name="service_unique_ozg_id"),
            models.CheckConstraint(condition=~Q(kind="ozg") | ~Q(ozg_id=""),
                                   name="service_ozg_needs_id"),
        ]
        indexes = [models.Index(fields=["ozg_id"])]

    def __str__(self) -> str:
        key = self.leika_key or self.ozg_id
        return f"{self.name} ({key})" if key else self.name

    def clean(self) -> None:
        if self.leika_key == "":
            self.leika_key = None
        if self.kind == ServiceKind.OZG and not self.ozg_id:
            raise ValidationError({"ozg_id": ValidationError(
                _("Eine OZG-Leistung braucht eine OZG-ID."), code=errors.INVALID_OZG_ID)})


class Contact(TimeStamped):
    """A person to call. Email and phone are personal data: never shown to anonymous users."""

    name = models.CharField(_("Name"), max_length=200)
    role = models.CharField(_("Funktion"), max_length=200, blank=True)
    email = models.EmailField(_("E-Mail"), blank=True)
    phone = models.CharField(_("Telefon"), max_length=50, blank=True)
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, null=True,
                                     blank=True, related_name="contacts",
                                     verbose_name=_("Kommune"))
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, null=True,
                                     blank=True, related_name="contacts",
                                     verbose_name=_("Organisation"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="contacts", verbose_name=_("Benutzer"))
    is_demo = models.BooleanField(_("Demodaten"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("Ansprechperson")
        verbose_name_plural = _("Ansprechpersonen")
        constraints = [
            models.CheckConstraint(
                condition=(Q(municipality__isnull=False, organization__isnull=True)
                           | Q(municipality__isnull=True, organization__isnull=False)),
                name="contact_exactly_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if bool(self.municipality_id) == bool(self.organization_id):
            raise ValidationError(
                _("Eine Ansprechperson gehört zu genau einer Kommune oder Organisation."),
                code=errors.OWNER_REQUIRED)


class UsageStatus(models.TextChoices):
    EVALUATING = "evaluating", _("in Prüfung")
    PLANNED = "planned", _("geplant")
    PILOT = "pilot", _("Pilot")
    PRODUCTION = "production", _("im Einsatz")
    RETIRED = "retired", _("abgelöst")


# The lifecycle moves forward; a usage may also be retired from any state, and an
# evaluation may be dropped (retired) without ever being planned.
USAGE_TRANSITIONS: dict[str, set[str]] = {
    UsageStatus.EVALUATING: {UsageStatus.PLANNED, UsageStatus.PILOT, UsageStatus.PRODUCTION,
                             UsageStatus.RETIRED},
    UsageStatus.PLANNED: {UsageStatus.EVALUATING, UsageStatus.PILOT, UsageStatus.PRODUCTION,
                          UsageStatus.RETIRED},
    UsageStatus.PILOT: {UsageStatus.PRODUCTION, UsageStatus.PLANNED, UsageStatus.RETIRED},
    UsageStatus.PRODUCTION: {UsageStatus.RETIRED},
    UsageStatus.RETIRED: set(),
}
ACTIVE_STATUSES = [s for s in UsageStatus.values if s != UsageStatus.RETIRED]


class UsageSource(models.TextChoices):
    SELF_DECLARED = "self_declared", _("von der Kommune selbst angegeben")
    PROVIDER = "provider", _("vom IT-Dienstleister eingetragen")
    MODERATOR = "moderator", _("von der Moderation eingetragen")
    IMPORT = "import", _("importiert")
    PUBLIC_EVIDENCE = "public_evidence", _("öffentliche Quelle")
    DEMO = "demo", _("Demodaten (fiktiv)")


class Usage(TimeStamped):
    """A municipality uses (or plans, evaluates, retired) a software product.

    At most one non-retired usage per (municipality, software); retiring keeps the row as
    history, and `successor` records the migration path ("moved from X to Y")."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE,
                                     related_name="usages", verbose_name=_("Kommune"))
    software = models.ForeignKey(Software, on_delete=models.PROTECT, related_name="usages",
                                 verbose_name=_("Software"))
    services = models.ManyToManyField(Service, blank=True, related_name="usages",
                                      verbose_name=_("Leistungen"))
    status = models.CharField(_("Status"), max_length=20, choices=UsageStatus.choices,
                              default=UsageStatus.PRODUCTION)
    since = models.DateField(_("seit"), null=True, blank=True)
    until = models.DateField(_("bis"), null=True, blank=True)
    operated_by = models.ForeignKey(Organization, on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="operated_usages",
                                    verbose_name=_("betrieben von"))
    satisfaction = models.PositiveSmallIntegerField(
        _("Zufriedenheit (1–5)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    notes = models.TextField(_("Anmerkungen"), blank=True)
    contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="usages", verbose_name=_("Ansprechperson"))
    visibility = models.CharField(_("Sichtbarkeit"), max_length=10, choices=Visibility.choices,
                                  default=Visibility.PUBLIC)
    source = models.CharField(_("Quelle"), max_length=20, choices=UsageSource.choices,
                              default=UsageSource.SELF_DECLARED)
    source_url = models.URLField(_("Beleg (URL)"), max_length=500, blank=True)
    source_file = models.CharField(_("Importdatei"), max_length=300, blank=True)
    source_note = models.CharField(_("Beleg"), max_length=500, blank=True)
    is_confirmed = models.BooleanField(
        _("von der Kommune bestätigt"), default=True,
        help_text=_("Von Dritten eingetragene Nutzungen bleiben „vorgeschlagen“, bis die "
                    "Kommune sie bestätigt."),
    )
    last_confirmed_at = models.DateTimeField(_("zuletzt bestätigt"), null=True, blank=True)
    successor = models.ForeignKey(Software, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="succeeded_usages",
                                  verbose_name=_("abgelöst durch"))
    target_date = models.DateField(_("Zieldatum"), null=True, blank=True)
    open_to_joint_procurement = models.BooleanField(_("offen für gemeinsame Beschaffung"),
                                                    default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("angelegt von"))
    is_demo = models.BooleanField(_("Demodaten"), default=False)
    history = HistoricalRecords(m2m_fields=[services])

    class Meta:
        ordering = ["municipality__name", "software__name"]
        verbose_name = _("Nutzung")
        verbose_name_plural = _("Nutzungen")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "software"], condition=~Q(status="retired"),
                name="usage_one_active_per_software",
                violation_error_code=errors.DUPLICATE_ACTIVE_USAGE,
                violation_error_message=_(
                    "Diese Kommune hat für diese Software bereits eine aktive Nutzung."),
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(since__isnull=True) | Q(until__gte=models.F("since")),
                name="usage_until_after_since",
                violation_error_code=errors.UNTIL_BEFORE_SINCE,
                violation_error_message=_("„bis“ liegt vor „seit“."),
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="usage_satisfaction_1_to_5",
                violation_error_code=errors.OUT_OF_RANGE,
                violation_error_message=_("Zufriedenheit muss zwischen 1 und 5 liegen."),
            ),
            models.CheckConstraint(
                condition=Q(successor__isnull=True) | Q(status="retired"),
                name="usage_successor_only_when_retired",
                violation_error_code=errors.SUCCESSOR_NOT_ALLOWED,
                violation_error_message=_("Nur eine abgelöste Nutzung kann einen Nachfolger haben."),
            ),
        ]
        indexes = [
            models.Index(fields=["software", "status"]),
            models.Index(fields=["municipality", "status"]),
            models.Index(fields=["updated_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.municipality} – {self.software} ({self.get_status_display()})"

    def clean(self) -> None:
        _check_period(self.since, self.until)
        if self.successor_id and self.successor_id == self.software_id:
            raise ValidationError({"successor": ValidationError(
                _("Eine Software kann nicht ihr eigener Nachfolger sein."),
                code=errors.SUCCESSOR_NOT_ALLOWED)})

    @property
    def is_active(self) -> bool:
        return self.status != UsageStatus.RETIRED

    @property
    def is_stale(self) -> bool:
        stamp = self.last_confirmed_at
        if stamp is None or not self.is_active:
            return False
        return timezone.now() - stamp > dt.timedelta(days=settings.USAGE_STALE_AFTER_DAYS)


class CollaborationStatus(models.TextChoices):
    IDEA = "idea", _("Idee")
    PLANNED = "planned", _("geplant")
    ACTIVE = "active", _("laufend")
    COMPLETED = "completed", _("abgeschlossen")
    STOPPED = "stopped", _("eingestellt")


class CollaborationTopic(models.TextChoices):
    OZG = "ozg", _("OZG / Online-Dienste")
    IT_OPERATIONS = "it_operations", _("gemeinsamer IT-Betrieb")
    PROCUREMENT = "procurement", _("gemeinsame Beschaffung")
    STANDARD_SOFTWARE = "standard_software", _("Umstieg auf Standardsoftware")
    OPEN_DATA = "open_data", _("Open Data / Geodaten")
    WEBSITE_APP = "website_app", _("Website / App")
    STANDARDS = "standards", _("Standardisierung / Interoperabilität")
    OTHER = "other", _("Sonstiges")


class Collaboration(TimeStamped):
    """An inter-municipal project (interkommunale Zusammenarbeit)."""

    title = models.CharField(_("Titel"), max_length=200)
    slug = models.SlugField(_("Slug"), max_length=120, unique=True)
    topic = models.CharField(_("Thema"), max_length=30, choices=CollaborationTopic.choices)
    status = models.CharField(_("Status"), max_length=20, choices=CollaborationStatus.choices,
                              default=CollaborationStatus.ACTIVE)
    lead_municipality = models.ForeignKey(Municipality, on_delete=models.SET_NULL, null=True,
                                          blank=True, related_name="led_collaborations",
                                          verbose_name=_("federführende Kommune"))
    lead_organization = models.ForeignKey(Organization, on_delete=models.SET_NULL, null=True,
                                          blank=True, related_name="led_collaborations",
                                          verbose_name=_("federführende Organisation"))
    municipalities = models.ManyToManyField(Municipality, blank=True,
                                            related_name="collaborations",
                                            verbose_name=_("beteiligte Kommunen"))
    organizations = models.ManyToManyField(Organization, blank=True,
                                           related_name="collaborations",
                                           verbose_name=_("beteiligte Organisationen"))
    software = models.ManyToManyField(Software, blank=True, related_name="collaborations",
                                      verbose_name=_("Software"))
    services = models.ManyToManyField(Service, blank=True, related_name="collaborations",
                                      verbose_name=_("Leistungen"))
    start = models.DateField(_("Beginn"), null=True, blank=True)
    end = models.DateField(_("Ende"), null=True, blank=True)
    description = models.TextField(_("Beschreibung (Markdown)"), blank=True)
    visibility = models.CharField(_("Sichtbarkeit"), max_length=10, choices=Visibility.choices,
                                  default=Visibility.PUBLIC)
    is_demo = models.BooleanField(_("Demodaten"), default=False)
    history = HistoricalRecords(m2m_fields=[municipalities, organizations, software, services])

    class Meta:
        ordering = ["title"]
        verbose_name = _("Kooperation")
        verbose_name_plural = _("Kooperationen")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(start__isnull=True) | Q(end__gte=models.F("start")),
                name="collaboration_end_after_start",
                violation_error_code=errors.UNTIL_BEFORE_SINCE,
                violation_error_message=_("Das Ende liegt vor dem Beginn."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": ValidationError(
                _("Das Ende liegt vor dem Beginn."), code=errors.UNTIL_BEFORE_SINCE)})


class OutboxEvent(models.Model):
    """A change to project into the graph and the search index, written in the same
    transaction as the change itself (transactional outbox). Consumers keep their own
    cursor, so one consumer being down never blocks the others."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    entity = models.CharField(max_length=50)
    entity_id = models.BigIntegerField(null=True)
    op = models.CharField(max_length=10)  # upsert | delete | rebuild
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("Outbox-Ereignis")
        verbose_name_plural = _("Outbox-Ereignisse")

    def __str__(self) -> str:
        return f"#{self.pk} {self.op} {self.entity}:{self.entity_id}"


class OutboxCursor(models.Model):
    consumer = models.CharField(max_length=100, unique=True)
    last_event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    last_error = models.TextField(blank=True)
    failures = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("Outbox-Position")
        verbose_name_plural = _("Outbox-Positionen")

    def __str__(self) -> str:
        return f"{self.consumer} @ {self.last_event_id}"
