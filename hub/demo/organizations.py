"""The KDN, its member IT providers and who belongs to whom, from the sourced KDN facts.

The source files spell a provider in several ways ("KRZN" / "KRZN Kommunales Rechenzentrum
Niederrhein"); PROVIDERS maps every spelling to one record so memberships and usages point at
the same organisation.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from hub.demo.sync import read_csv, save_changed
from hub.models import (
    Membership,
    MembershipRole,
    Municipality,
    MunicipalityKind,
    Organization,
    OrganizationKind,
)

KDN = "kdn"


@dataclass(frozen=True)
class Provider:
    slug: str
    name: str
    kind: str
    spellings: tuple[str, ...]
    website: str = ""  # only where a source URL shows the domain


PROVIDERS: tuple[Provider, ...] = (
    Provider(KDN, "KDN – Dachverband kommunaler IT-Dienstleister", OrganizationKind.ASSOCIATION,
             ("KDN – Dachverband kommunaler IT-Dienstleister",)),
    Provider("krzn", "KRZN Kommunales Rechenzentrum Niederrhein", OrganizationKind.IT_PROVIDER,
             ("KRZN Kommunales Rechenzentrum Niederrhein", "KRZN")),
    Provider("itk-rheinland", "ITK Rheinland (IT-Kooperation Rheinland)",
             OrganizationKind.IT_PROVIDER,
             ("ITK Rheinland (IT-Kooperation Rheinland)", "ITK Rheinland"),
             "https://www.itk-rheinland.de"),
    Provider("suedwestfalen-it", "Südwestfalen-IT (SIT)", OrganizationKind.IT_PROVIDER,
             ("Südwestfalen-IT (SIT)", "Südwestfalen-IT")),
    Provider("krz", "krz Kommunales Rechenzentrum Minden-Ravensberg/Lippe",
             OrganizationKind.IT_PROVIDER,
             ("krz Kommunales Rechenzentrum Minden-Ravensberg/Lippe",
              "krz Minden-Ravensberg/Lippe", "GKD Paderborn + krz"), "https://www.krz.de"),
    Provider("gkd-paderborn", "GKD Paderborn", OrganizationKind.IT_PROVIDER,
             ("GKD Paderborn + krz",)),
    Provider("gkd-recklinghausen", "GKD Recklinghausen", OrganizationKind.IT_PROVIDER,
             ("GKD Recklinghausen",), "https://www.gkd-re.de"),
    Provider("regio-it", "regio iT", OrganizationKind.IT_PROVIDER, ("regio iT",)),
    Provider("kdvz-rhein-erft-rur", "kdvz Rhein-Erft-Rur", OrganizationKind.IT_PROVIDER,
             ("kdvz Rhein-Erft-Rur",), "https://kdvz.nrw"),
)

# The towns the ITK Rheinland statute (7th amendment, 27.11.2018) names as members.
ITK_MEMBER_TOWNS = ("Neuss", "Dormagen", "Grevenbroich", "Jüchen", "Kaarst", "Korschenbroich",
                    "Meerbusch", "Rommerskirchen")


@dataclass(frozen=True)
class Counts:
    organizations: int
    memberships: int


def load_organizations() -> Counts:
    """KDN and its members, each provider's membership in KDN, and the Kreise and Städte that
    carry or use each provider."""
    facts = read_csv(name="kdn_members_facts.csv")
    orgs = {p.slug: _save_provider(provider=p, facts=facts) for p in PROVIDERS}
    memberships = _kdn_memberships(orgs=orgs, facts=facts)
    memberships += _municipality_memberships(orgs=orgs)
    return Counts(organizations=len(orgs), memberships=memberships)


def provider_slug(*, spelling: str) -> str | None:
    return next((p.slug for p in PROVIDERS if spelling in p.spellings), None)


def _save_provider(*, provider: Provider, facts: list[dict[str, str]]) -> Organization:
    own = [f for f in facts if f["provider"] in provider.spellings]
    first = own[0] if own else {}
    return save_changed(
        model=Organization, lookup={"slug": provider.slug},
        values={
            "name": provider.name,
            "kind": provider.kind,
            "legal_form": re.sub(r"\s*\(.*?\)", "", first.get("legal_form", "")).strip(),
            "seat": first.get("seat", ""),
            "website": provider.website,
            "source_url": first.get("source_url", ""),
            "description": "\n".join(_fact_line(f) for f in own),
            "aliases": ", ".join(s for s in provider.spellings if s != provider.name
                                 and "+" not in s),
        },
    )


def _fact_line(fact: dict[str, str]) -> str:
    date = "" if fact["source_date"] in {"", "n/a"} else f", {fact['source_date']}"
    return f"- {fact['fact']} ([Quelle]({fact['source_url']}){date})"


def _kdn_memberships(*, orgs: dict[str, Organization], facts: list[dict[str, str]]) -> int:
    """Every provider in the facts file is a KDN member; the file dates krz's entry."""
    kdn = orgs[KDN]
    count = 0
    for slug, org in orgs.items():
        if slug == KDN:
            continue
        since = dt.date(2012, 1, 1) if slug == "krz" else None
        source = facts[0]["source_url"] if slug == "krz" else ""
        save_changed(
            model=Membership,
            lookup={"organization": kdn, "member_organization": org,
                    "role": MembershipRole.MEMBER},
            values={"since": since, "source_url": source,
                    "note": "Mitglied im KDN (laut KDN-Faktensammlung)"},
        )
        count += 1
    return count


def _municipality_memberships(*, orgs: dict[str, Organization]) -> int:
    count = 0
    for row in read_csv(name="kdn_provider_kreis_mapping.csv"):
        municipality = Municipality.objects.filter(ags=f"{row['kreis_schluessel']}000").first()
        slug = provider_slug(spelling=row["provider"])
        if municipality is None or slug is None:
            continue
        _save_membership(org=orgs[slug], municipality=municipality, relation=row["relation"],
                         source_url=row["source_url"])
        count += 1
        if slug == "itk-rheinland" and municipality.kind == MunicipalityKind.KREIS:
            count += _itk_towns(org=orgs[slug], kreis=municipality, source_url=row["source_url"])
    return count


def _itk_towns(*, org: Organization, kreis: Municipality, source_url: str) -> int:
    towns = Municipality.objects.filter(parent=kreis, short_name__in=ITK_MEMBER_TOWNS)
    for town in towns:
        _save_membership(org=org, municipality=town, relation="Verbandsmitglied",
                         source_url=source_url)
    return len(towns)


def _save_membership(*, org: Organization, municipality: Municipality, relation: str,
                     source_url: str) -> None:
    save_changed(
        model=Membership,
        lookup={"organization": org, "member_municipality": municipality,
                "role": role_for(relation=relation)},
        values={"since": _since(relation=relation), "source_url": source_url,
                "note": relation[:300]},
    )


def role_for(*, relation: str) -> str:
    """"Kreis is Träger" → carrier; "region served" → client; any kind of membership → member."""
    text = relation.lower()
    if "träger" in text:
        return MembershipRole.CARRIER
    if "served" in text:
        return MembershipRole.CLIENT
    return MembershipRole.MEMBER


def _since(*, relation: str) -> dt.date | None:
    match = re.search(r"since (\d{4}-\d{2}-\d{2})", relation)
    return dt.date.fromisoformat(match.group(1)) if match else None
