"""Fictional demo usages, contacts and collaborations for NRW municipalities.

Why invent data at all: the sourced usages are too sparse for "similar municipalities",
migration paths or joint procurement to show anything. The fictional layer gives every demo
municipality a plausible stack: its IT provider runs finance, residents' registration and DMS;
its Kreis shares a council information system and a GIS; some moved from in-house software to
a standard product; some plan a change and are open to procuring together.

Everything here is flagged `is_demo` and uses source "demo". A fixed seed per municipality
makes the result reproducible and independent of which other municipalities are loaded.
Pairs that already carry a real (sourced or self-declared) usage are left to the real one.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.utils import timezone

from hub.demo.organizations import provider_slug
from hub.demo.sync import field_key, german_slug, read_csv, save_changed, upsert
from hub.models import (
    Collaboration,
    CollaborationStatus,
    CollaborationTopic,
    Contact,
    Municipality,
    MunicipalityKind,
    Organization,
    Service,
    ServiceKind,
    Software,
    SoftwareCategory,
    Usage,
    UsageSource,
    UsageStatus,
    Visibility,
)

SEED = 20240611
METTMANN = "05158"
MUELHEIM = "05117000"
# Kreise whose every Gemeinde is a demo municipality; elsewhere the four largest.
FULL_KREISE = {METTMANN, "05162", "05562"}
TOWNS_PER_KREIS = 4

INHOUSE_FINANCE = "Finanzverfahren Eigenentwicklung (fiktiv)"
INHOUSE_RIS = "Sitzungsdienst Eigenentwicklung (fiktiv)"
WOHNGELD = "Fachverfahren Wohngeld (fiktiv)"
PERSONNEL = "Personalmanagement (fiktiv)"
SCHOOLS = "Schulverwaltung (fiktiv)"
DEMO_SOFTWARE: tuple[tuple[str, str, str], ...] = (
    (INHOUSE_FINANCE, "Finanzwesen", "Fiktive Eigenentwicklung eines Rechenzentrums."),
    (INHOUSE_RIS, "Ratsinformationssystem", "Fiktive Eigenentwicklung einer Stadt."),
    (WOHNGELD, "Sozialwesen", "Fiktives Fachverfahren für die Wohngeldstellen."),
    (PERSONNEL, "Personalwesen", "Fiktives Personalverfahren."),
    (SCHOOLS, "Schul-IT", "Fiktive Schulverwaltungssoftware."),
)

RIS = ("Session / SessionNet", "ALLRIS", "ALLRIS 4", "Session")
OPEN_RIS = "aitema|Rats RIS (OParl)"
FINANCE = ("SAP (kommunales Finanzwesen)", "Infoma newsystem", "newsystem kommunal",
           "proDoppik")
DMS = ("enaio", "d.velop eAkte / d.3ecm", "nscale", "VIS-Suite")
RESIDENTS = ("OK.EWO", "VOIS|MESO")
GIS = ("QGIS", "ArcGIS", "GeoAS / MapInfo")
ELECTIONS, OLD_ELECTIONS = "votemanager", "PC-Wahl (discontinued 31.12.2020)"
REGISTRY = "AutiSta + ePR-Server"
# (product, share of municipalities that use it)
EXTRAS: tuple[tuple[str, float], ...] = (
    ("OpenTalk", 0.25), ("Nextcloud", 0.3), ("Element (Matrix)", 0.15), ("Zammad", 0.2),
    ("CONSUL", 0.08), ("Masterportal", 0.1), ("OpenProject", 0.1),
)
# IT provider → (finance, residents' registration, DMS) it runs for its members.
PROVIDER_STACKS: dict[str | None, tuple[str, str, str]] = {
    "krzn": ("SAP (kommunales Finanzwesen)", "OK.EWO", "enaio"),
    "itk-rheinland": ("Infoma newsystem", "VOIS|MESO", "d.velop eAkte / d.3ecm"),
    "suedwestfalen-it": ("Infoma newsystem", "OK.EWO", "nscale"),
    "krz": ("newsystem kommunal", "VOIS|MESO", "enaio"),
    "gkd-recklinghausen": ("proDoppik", "OK.EWO", "d.velop eAkte / d.3ecm"),
    None: ("SAP (kommunales Finanzwesen)", "VOIS|MESO", "nscale"),
}
# (kind, key) of services a usage of a category supports.
SERVICES: dict[str, tuple[tuple[str, str], ...]] = {
    "residents": (("ozg", "10124"), ("leika", "99115005104000")),
    "elections": (("ozg", "10145"), ("leika", "99128001000000")),
    "registry": (("ozg", "10003"), ("leika", "99027006000000")),
    "wohngeld": (("ozg", "10092"), ("leika", "99107023000000"), ("leika", "99107023017001")),
}
NOTE = "Fiktive Demodaten."
USAGE_FIELDS = ["since", "until", "successor_id", "satisfaction", "target_date",
                "open_to_joint_procurement", "operated_by_id", "contact_id", "notes"]


@dataclass
class Plan:
    """One usage to be, by product name; turned into a row once pks are known."""

    software: str
    status: str = UsageStatus.PRODUCTION
    since: dt.date | None = None
    until: dt.date | None = None
    successor: str | None = None
    satisfaction: int | None = None
    target_date: dt.date | None = None
    open_to_joint_procurement: bool = False
    operated: bool = False
    services: tuple[tuple[str, str], ...] = ()
    notes: str = NOTE


@dataclass
class Group:
    """A Kreis or kreisfreie Stadt with the demo municipalities that share its stack."""

    unit: Municipality
    members: list[Municipality]
    provider: Organization | None
    standards: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Counts:
    municipalities: int
    usages: int
    contacts: int
    collaborations: int


def load_fictional() -> Counts:
    """Demo software, contacts, usages and collaborations, in that order."""
    software = _load_demo_software()
    groups = demo_groups()
    contacts = _load_contacts()
    usages = _load_usages(groups=groups, software=software, contacts=contacts)
    collaborations = _load_collaborations(groups=groups, software=software)
    members = sum(len(g.members) for g in groups)
    return Counts(municipalities=members, usages=usages, contacts=len(contacts),
                  collaborations=collaborations)


def demo_groups() -> list[Group]:
    """The Kreise and Städte of the KDN provider mapping (with their largest towns, all towns
    for Mettmann, Neuss and Recklinghausen) plus Mülheim an der Ruhr."""
    providers = {o.slug: o for o in Organization.objects.all()}
    groups = []
    for row in read_csv(name="kdn_provider_kreis_mapping.csv"):
        unit = Municipality.objects.filter(ags=f"{row['kreis_schluessel']}000").first()
        if unit is not None:
            slug = provider_slug(spelling=row["provider"])
            groups.append(Group(unit=unit, members=[unit, *_towns(unit=unit)],
                                provider=providers.get(slug or "")))
    muelheim = Municipality.objects.filter(ags=MUELHEIM).first()
    if muelheim is not None:
        groups.append(Group(unit=muelheim, members=[muelheim], provider=None))
    return groups


def _towns(*, unit: Municipality) -> list[Municipality]:
    if unit.kind != MunicipalityKind.KREIS:
        return []
    towns = unit.children.order_by("-population", "ags")
    return list(towns if unit.ags[:5] in FULL_KREISE else towns[:TOWNS_PER_KREIS])


def _load_demo_software() -> dict[str, Software]:
    """Real products by name plus the few fictional ones the stories need."""
    categories = {c.name: c.pk for c in SoftwareCategory.objects.all()}
    rows = [{"name": name, "slug": f"demo-{german_slug(text=name)}", "category_id":
             categories[category], "description": text, "is_demo": True}
            for name, category, text in DEMO_SOFTWARE if category in categories]
    upsert(queryset=Software.objects.filter(is_demo=True), rows=rows, key=field_key("slug"),
           fields=["name", "category_id", "description"])
    # Plans name products; should a name exist twice, the older record (the real one) wins.
    by_name: dict[str, Software] = {}
    for software in Software.objects.order_by("pk"):
        by_name.setdefault(software.name, software)
    return by_name


# --- plans -------------------------------------------------------------------------------

def plan_group(*, group: Group) -> dict[str, list[Plan]]:
    """AGS → plans for every member of the group. No database access, so tests can call it
    with unsaved municipalities; it records the group's shared products in `standards`."""
    rng = random.Random(f"{SEED}-{group.unit.ags}")
    finance, residents, dms = PROVIDER_STACKS.get(group.provider.slug if group.provider
                                                  else None, PROVIDER_STACKS[None])
    group.standards = {"ris": rng.choice(RIS), "gis": rng.choice(GIS), "finance": finance,
                       "residents": residents, "dms": dms}
    return {m.ags: _member_plans(municipality=m, group=group) for m in group.members}


def _member_plans(*, municipality: Municipality, group: Group) -> list[Plan]:
    rng = random.Random(f"{SEED}-{municipality.ags}")
    is_kreis = municipality.kind == MunicipalityKind.KREIS
    plans = [*_ris_plans(rng=rng, municipality=municipality, group=group),
             *_finance_plans(rng=rng, municipality=municipality, group=group),
             *_dms_plans(rng=rng, group=group), *_gis_plans(rng=rng, group=group),
             *_election_plans(rng=rng)]
    if not is_kreis:
        plans.append(_current(rng, group.standards["residents"], operated=True,
                              services=SERVICES["residents"]))
        plans.append(_current(rng, REGISTRY, services=SERVICES["registry"]))
    if is_kreis or municipality.kind == MunicipalityKind.KREISFREIE_STADT or (
            municipality.population or 0) >= 25_000:
        plans.append(_current(rng, WOHNGELD, services=SERVICES["wohngeld"]))
    if rng.random() < 0.5:
        plans.append(_current(rng, PERSONNEL, operated=True))
    if rng.random() < 0.3:
        plans.append(_current(rng, SCHOOLS))
    return plans + _extra_plans(rng=rng)


def _current(rng: random.Random, software: str, *, operated: bool = False,
             since: dt.date | None = None, services: tuple = ()) -> Plan:
    return Plan(software=software, since=since or _date(rng, 2008, 2023),
                satisfaction=rng.choices([1, 2, 3, 4, 5], weights=[1, 2, 4, 6, 3])[0],
                operated=operated, services=services)


def _predecessor(rng: random.Random, software: str, current: Plan, *,
                 note: str = "") -> Plan:
    """A retired usage that `current` replaced: the migration path."""
    until = current.since - dt.timedelta(days=1)
    return Plan(software=software, status=UsageStatus.RETIRED,
                since=dt.date(until.year - rng.randint(6, 15), 1, 1), until=until,
                successor=current.software,
                satisfaction=rng.choices([1, 2, 3, 4], weights=[2, 4, 3, 1])[0],
                notes=f"{NOTE} {note}".strip())


def _planned(rng: random.Random, software: str, *, joint: bool, note: str = "",
             target: dt.date | None = None) -> Plan:
    return Plan(software=software, status=UsageStatus.PLANNED, since=None,
                target_date=target or _date(rng, 2026, 2027), open_to_joint_procurement=joint,
                notes=f"{NOTE} {note}".strip())


def _ris_plans(*, rng: random.Random, municipality: Municipality, group: Group) -> list[Plan]:
    standard = group.standards["ris"]
    current = _current(rng, standard if rng.random() < 0.85 else rng.choice(RIS), operated=True)
    plans = [current]
    if rng.random() < 0.15:
        plans.append(_predecessor(rng, INHOUSE_RIS, current))
    if group.unit.ags[:5] == METTMANN and rng.random() < 0.7:
        plans.append(_planned(rng, OPEN_RIS, joint=True, target=dt.date(2026, 7, 1),
                              note="Gemeinsame Ausschreibung im Kreis Mettmann."))
    elif rng.random() < 0.05:
        plans.append(_planned(rng, OPEN_RIS, joint=rng.random() < 0.5))
    return plans


def _finance_plans(*, rng: random.Random, municipality: Municipality,
                   group: Group) -> list[Plan]:
    """The provider's finance product; around its migration many came from in-house software
    (Kreis Mettmann until it joined the KRZN at the start of 2019)."""
    standard = group.standards["finance"]
    software = standard if rng.random() < 0.9 else rng.choice(FINANCE)
    if municipality.ags == f"{METTMANN}000":
        current = _current(rng, software, operated=True, since=dt.date(2019, 1, 1))
        return [current, _predecessor(rng, INHOUSE_FINANCE, current,
                                      note="Abgelöst beim Beitritt zum KRZN.")]
    in_mettmann = group.unit.ags[:5] == METTMANN
    # The towns followed their Kreis into the KRZN's SAP after 2019.
    since = _date(rng, 2019, 2023) if in_mettmann else None
    current = _current(rng, software, operated=True, since=since)
    if rng.random() >= (0.6 if in_mettmann else 0.3):
        return [current]
    older = rng.choice([INHOUSE_FINANCE, *(f for f in FINANCE if f != software)])
    return [current, _predecessor(rng, older, current)]


def _dms_plans(*, rng: random.Random, group: Group) -> list[Plan]:
    standard = group.standards["dms"]
    roll = rng.random()
    if roll < 0.7:
        return [_current(rng, standard, operated=True)]
    if roll < 0.85:
        return [_planned(rng, standard, joint=rng.random() < 0.5,
                         note="Einführung der E-Akte geplant.")]
    return [_current(rng, rng.choice([d for d in DMS if d != standard]))]


def _gis_plans(*, rng: random.Random, group: Group) -> list[Plan]:
    standard = group.standards["gis"]
    plans = [_current(rng, standard)] if rng.random() < 0.8 else []
    if standard != "QGIS" and rng.random() < 0.2:
        plans.append(_planned(rng, "QGIS", joint=rng.random() < 0.6,
                              note="Umstieg auf Open-Source-GIS wird geprüft."))
    return plans


def _election_plans(*, rng: random.Random) -> list[Plan]:
    """PC-Wahl was discontinued at the end of 2020; about half moved to votemanager then."""
    if rng.random() < 0.5:
        current = _current(rng, ELECTIONS, since=dt.date(2021, 1, 1),
                           services=SERVICES["elections"])
        return [current, _predecessor(rng, OLD_ELECTIONS, current,
                                      note="PC-Wahl wurde zum 31.12.2020 eingestellt.")]
    return [_current(rng, ELECTIONS, since=_date(rng, 2012, 2019),
                     services=SERVICES["elections"])]


def _extra_plans(*, rng: random.Random) -> list[Plan]:
    plans = []
    for software, share in EXTRAS:
        if rng.random() >= share:
            continue
        plan = _current(rng, software, since=_date(rng, 2020, 2024))
        roll = rng.random()
        if roll < 0.2:
            plan.status, plan.satisfaction = UsageStatus.PILOT, None
        elif roll < 0.3:
            plan.status, plan.satisfaction, plan.since = UsageStatus.EVALUATING, None, None
        plans.append(plan)
    return plans


def _date(rng: random.Random, first_year: int, last_year: int) -> dt.date:
    return dt.date(rng.randint(first_year, last_year), rng.randint(1, 12), 1)


# --- rows --------------------------------------------------------------------------------

def _load_usages(*, groups: list[Group], software: dict[str, Software],
                 contacts: dict[str, Contact]) -> int:
    """Upsert the demo usages by (municipality, software, status), drop demo usages no longer
    planned, and link the services."""
    taken = set(Usage.objects.filter(is_demo=False)
                .values_list("municipality_id", "software_id"))
    contact_by_municipality = {c.municipality_id: c.pk for c in contacts.values()
                               if c.municipality_id}
    rows, links = [], []
    for group in groups:
        municipalities = {m.ags: m for m in group.members}
        for ags, plans in plan_group(group=group).items():
            municipality = municipalities[ags]
            for plan in plans:
                row = _usage_row(plan=plan, municipality=municipality, group=group,
                                 software=software, contact=contact_by_municipality)
                if row is None or (row["municipality_id"], row["software_id"]) in taken:
                    continue
                taken.add((row["municipality_id"], row["software_id"]))
                rows.append(row)
                links.append(plan.services)
    key = field_key("municipality_id", "software_id", "status")
    _delete_stale(keys={key(r) for r in rows})
    saved = upsert(queryset=Usage.objects.filter(is_demo=True), rows=rows, key=key,
                   fields=USAGE_FIELDS)
    _link_services(usages=[saved[key(r)] for r in rows], links=links)
    return len(saved)


def _delete_stale(*, keys: set[tuple]) -> None:
    """Demo usages this version no longer plans go first, so that a plan that changed status
    never meets its old row in the one-active-usage constraint."""
    demo = Usage.objects.filter(is_demo=True).values_list(
        "pk", "municipality_id", "software_id", "status")
    stale = [pk for pk, *key in demo if tuple(key) not in keys]
    if stale:
        Usage.objects.filter(pk__in=stale).delete()


def _usage_row(*, plan: Plan, municipality: Municipality, group: Group,
               software: dict[str, Software], contact: dict[int, int]) -> dict | None:
    product = software.get(plan.software)
    successor = software.get(plan.successor) if plan.successor else None
    if product is None or (plan.successor and successor is None):
        return None
    # Confirmation ages spread over ~2 years, so some demo usages show up as stale.
    age = random.Random(f"{SEED}-{municipality.ags}-{product.slug}").randint(0, 700)
    return {
        "municipality_id": municipality.pk,
        "software_id": product.pk,
        "status": plan.status,
        "since": plan.since,
        "until": plan.until,
        "successor_id": successor.pk if successor else None,
        "satisfaction": plan.satisfaction,
        "target_date": plan.target_date,
        "open_to_joint_procurement": plan.open_to_joint_procurement,
        "operated_by_id": group.provider.pk if plan.operated and group.provider else None,
        "contact_id": contact.get(municipality.pk),
        "notes": plan.notes,
        "source": UsageSource.DEMO,
        "is_demo": True,
        "is_confirmed": True,
        "last_confirmed_at": timezone.now() - dt.timedelta(days=age),
        "visibility": Visibility.PUBLIC,
    }


def _link_services(*, usages: list[Usage], links: list[tuple[tuple[str, str], ...]]) -> None:
    wanted_keys = {k for keys in links for k in keys}
    services = _services_by_key(keys=wanted_keys)
    through = Usage.services.through
    existing = set(through.objects.filter(usage__is_demo=True)
                   .values_list("usage_id", "service_id"))
    new = {(u.pk, services[k]) for u, keys in zip(usages, links, strict=True) for k in keys
           if k in services} - existing
    through.objects.bulk_create([through(usage_id=u, service_id=s) for u, s in sorted(new)])


def _services_by_key(*, keys: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    ozg = [k for kind, k in keys if kind == "ozg"]
    leika = [k for kind, k in keys if kind == "leika"]
    found = {("ozg", s.ozg_id): s.pk
             for s in Service.objects.filter(kind=ServiceKind.OZG, ozg_id__in=ozg)}
    found |= {("leika", s.leika_key): s.pk
              for s in Service.objects.filter(kind=ServiceKind.LEIKA, leika_key__in=leika)}
    return found


# --- contacts and collaborations ----------------------------------------------------------

# (name, role, email, AGS or provider slug)
DEMO_CONTACTS: tuple[tuple[str, str, str, str], ...] = (
    ("Max Mustermann (fiktiv)", "Digitalisierungsbeauftragter", "max.mustermann@example.org",
     "05158000"),
    ("Erika Musterfrau (fiktiv)", "Leitung IT und Organisation", "erika.musterfrau@example.org",
     "05158028"),
    ("Otto Normalverbraucher (fiktiv)", "Sachgebiet Finanzen", "otto.normal@example.org",
     "05158016"),
    ("Lieschen Müller (fiktiv)", "E-Government-Koordination", "lieschen.mueller@example.org",
     MUELHEIM),
    ("Hans Beispiel (fiktiv)", "Kundenbetreuung Kommunen", "hans.beispiel@example.org", "krzn"),
)


def _load_contacts() -> dict[str, Contact]:
    """A few obviously fictional people with example.org addresses, keyed by email."""
    result = {}
    for name, role, email, owner in DEMO_CONTACTS:
        municipality = Municipality.objects.filter(ags=owner).first()
        organization = Organization.objects.filter(slug=owner).first()
        if municipality is None and organization is None:
            continue
        result[email] = save_changed(
            model=Contact, lookup={"email": email, "is_demo": True},
            values={"name": name, "role": role, "municipality": municipality,
                    "organization": organization},
        )
    return result


def _load_collaborations(*, groups: list[Group], software: dict[str, Software]) -> int:
    """Three fictional inter-municipal projects built on the demo usages."""
    specs = _collaboration_specs(groups=groups, software=software)
    for spec in specs:
        m2m = {k: spec.pop(k) for k in ("municipalities", "organizations", "software",
                                        "services")}
        collaboration = save_changed(model=Collaboration, lookup={"slug": spec.pop("slug")},
                                     values={**spec, "is_demo": True})
        for name, values in m2m.items():
            getattr(collaboration, name).set(values)
    return len(specs)


def _collaboration_specs(*, groups: list[Group], software: dict[str, Software]) -> list[dict]:
    by_unit = {g.unit.ags: g for g in groups}
    mettmann = by_unit.get(f"{METTMANN}000")
    muelheim = by_unit.get(MUELHEIM)
    krzn = Organization.objects.filter(slug="krzn").first()
    specs = []
    if mettmann and OPEN_RIS in software:
        planners = Municipality.objects.filter(
            usages__software=software[OPEN_RIS], usages__status=UsageStatus.PLANNED,
            usages__is_demo=True, ags__startswith=METTMANN).distinct()
        specs.append({
            "slug": "ris-beschaffung-kreis-mettmann",
            "title": "Gemeinsame Beschaffung eines Ratsinformationssystems im Kreis Mettmann",
            "topic": CollaborationTopic.PROCUREMENT, "status": CollaborationStatus.PLANNED,
            "lead_municipality": mettmann.unit, "lead_organization": None,
            "start": dt.date(2025, 3, 1), "end": None,
            "description": "Fiktives Beispiel: Der Kreis und mehrere kreisangehörige Städte "
                           "schreiben gemeinsam ein Open-Source-Ratsinformationssystem mit "
                           "OParl-Schnittstelle aus.",
            "municipalities": list(planners), "organizations": [krzn] if krzn else [],
            "software": [software[OPEN_RIS]], "services": [],
        })
    if mettmann and krzn and FINANCE[0] in software:
        specs.append({
            "slug": "sap-finanzwesen-krzn",
            "title": "Umstieg auf SAP im Finanzwesen im KRZN-Verbund",
            "topic": CollaborationTopic.STANDARD_SOFTWARE,
            "status": CollaborationStatus.COMPLETED, "lead_municipality": None,
            "lead_organization": krzn, "start": dt.date(2018, 1, 1), "end": dt.date(2019, 12, 31),
            "description": "Fiktives Beispiel: Eigenentwicklungen im Finanzwesen werden "
                           "gemeinsam durch ein Standardprodukt abgelöst.",
            "municipalities": mettmann.members[:4], "organizations": [krzn],
            "software": [software[FINANCE[0]], software[INHOUSE_FINANCE]], "services": [],
        })
    if muelheim and WOHNGELD in software:
        partners = [g.unit for g in groups if g.unit.ags in {"05512000", "05114000", "05562000"}]
        specs.append({
            "slug": "wohngeld-digital-ruhr-niederrhein",
            "title": "Wohngeld digital: gemeinsamer Online-Antrag",
            "topic": CollaborationTopic.OZG, "status": CollaborationStatus.ACTIVE,
            "lead_municipality": muelheim.unit, "lead_organization": None,
            "start": dt.date(2024, 9, 1), "end": None,
            "description": "Fiktives Beispiel: Mehrere Wohngeldstellen führen den "
                           "Online-Antrag auf Wohngeld gemeinsam ein.",
            "municipalities": [muelheim.unit, *partners], "organizations": [],
            "software": [software[WOHNGELD]],
            "services": list(Service.objects.filter(ozg_id="10092")),
        })
    return specs
