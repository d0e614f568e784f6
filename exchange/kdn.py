"""The raw provider and commune tables of KDN's OZG-Datenbank NRW: dirty input on purpose.

The tables have typos in domains ("jkreis-mettmann.de", "emscheid.de"), names ("Berglamen",
"Bochen"), swapped rows (LWL in Kassel with lwv-hessen.de, LWV Hessen in Münster with lwl.org)
and duplicates. The import checks every row against the register and against the other rows
and *reports* what does not fit, with the reason and, where the data allows, a suggestion — it
never picks the likely answer itself. Rows that pass are applied (providers created or
completed, commune websites filled where empty); curated hub data is never overwritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext_noop

from exchange import report as rp
from exchange.matching import (
    AMBIGUOUS,
    EXACT,
    LOOSE,
    UNMATCHED,
    Match,
    MunicipalityIndex,
    base_name,
    describe,
)
from exchange.text import decode, fold, free_slug, read_table, squash
from hub import errors, services
from hub.models import Municipality, Organization, OrganizationKind
from hub.services import Actor

PROVIDER_COLUMNS = {"id": set(), "name": set(), "street": {"Straße"}, "zip_code": {"PLZ"},
                    "town": {"Ort"}, "url": {"Website"}}
COMMUNE_COLUMNS = {"id": set(), "name": set(), "url": {"Website"}}
FIELD_NAMES = {"seat": gettext_noop("Sitz"), "website": gettext_noop("Website")}


@dataclass
class Domain:
    host: str
    parts: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, url: str) -> Domain:
        host = re.sub(r"^[a-z]+://", "", url.strip().lower()).split("/")[0].removeprefix("www.")
        labels = host.split(".")[:-1]
        return cls(host, [p for label in labels for p in label.split("-") if p])


def distance_one(a: str, b: str) -> bool:
    """Exactly one inserted, deleted or replaced character (a typo, not an abbreviation)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def name_tokens(name: str) -> set[str]:
    words = fold(name).split()
    return set(words) | {squash(name)} | {squash(base_name(name))}


def check_domain(domain: Domain, name: str) -> tuple[str, tuple[str, str] | None]:
    """("fits" | "typo" | "unrelated", (domain part, name word) of a suspected typo)."""
    tokens = name_tokens(name)
    fits = False
    for part in domain.parts:
        for token in tokens:
            if len(part) >= 5 and len(token) >= 5 and distance_one(part, token):
                return "typo", (part, token)
        if part in tokens or any(len(t) >= 3 and (t in part or part in t) for t in tokens if len(part) >= 3):
            fits = True
    return ("fits" if fits else "unrelated"), None


def import_kdn(*, actor: Actor, providers: bytes | None = None, communes: bytes | None = None,
               dry_run: bool = False, state: str = "05") -> rp.Report:
    """Check and apply the raw tables; rows that do not fit are rejected with the reason."""
    report = rp.Report("KDN", dry_run=dry_run)
    index = MunicipalityIndex()
    with transaction.atomic():
        if providers is not None:
            _providers(actor, providers, report, index, state)
        if communes is not None:
            _communes(actor, communes, report, index, state)
        report.applied = not dry_run and bool(report.counts[rp.CREATED] + report.counts[rp.UPDATED])
        if dry_run:
            transaction.set_rollback(True)
    return report


def _table(data: bytes, report: rp.Report, columns: dict[str, set[str]]):
    decoded = decode(data, report)
    return read_table(decoded.text, report, columns=columns, required={"name", "url"}) if decoded else None


def _providers(actor: Actor, data: bytes, report: rp.Report, index: MunicipalityIndex, state: str) -> None:
    table = _table(data, report, PROVIDER_COLUMNS)
    if table is None:
        return
    rows = [(line, {k: v.strip() for k, v in cells.items()}) for line, cells in table.rows]
    checked = {line: (cells, Domain.parse(cells["url"])) for line, cells in rows}
    seen: dict[str, int] = {}
    for line, cells in rows:
        domain = checked[line][1]
        result = rp.RowResult(line, cells["name"], rp.UNCHANGED)
        verdict, typo = check_domain(domain, cells["name"])
        if verdict == "typo":
            result.issues.append(rp.Issue(rp.SUSPICIOUS, gettext_noop(
                "Domain „%(domain)s“: „%(part)s“ ist vermutlich ein Tippfehler für „%(word)s“ (Name „%(name)s“)."),
                {"domain": domain.host, "part": typo[0], "word": typo[1], "name": cells["name"]}, line, "url"))
        elif verdict == "unrelated":
            swap = _swap_partner(line, cells, domain, checked)
            if swap:
                result.issues.append(rp.Issue(rp.SUSPICIOUS, gettext_noop(
                    "Domain „%(domain)s“ gehört offenbar zu „%(other)s“ (Zeile %(other_line)s) und "
                    "umgekehrt: Zeilen vertauscht? Nicht übernommen."),
                    {"domain": domain.host, "other": swap[1], "other_line": swap[0]}, line, "url"))
            else:
                result.issues.append(rp.Issue(rp.SUSPICIOUS, gettext_noop(
                    "Domain „%(domain)s“ lässt sich dem Namen „%(name)s“ nicht zuordnen; bitte prüfen "
                    "(Website nicht übernommen)."), {"domain": domain.host, "name": cells["name"]},
                    line, "url", rp.WARNING))
        key = fold(cells["name"])
        if key in seen:
            result.issues.append(rp.Issue(errors.DUPLICATE, gettext_noop(
                "„%(name)s“ steht schon in Zeile %(first)s (Sitz dort: %(town)s); zwei Sitze, nicht "
                "zusammengeführt."), {"name": cells["name"], "first": seen[key],
                                      "town": checked[seen[key]][0].get("town", "")}, line, "name"))
        seen.setdefault(key, line)
        town = _town(cells.get("town", ""), index, state, line, result)
        if any(i.level == rp.ERROR for i in result.issues):
            result.action = rp.REJECTED
        else:
            _save_provider(actor, cells, town, domain if verdict == "fits" else None, result)
        report.add_row(result)


def _swap_partner(line: int, cells: dict[str, str], domain: Domain,
                  checked: dict[int, tuple[dict[str, str], Domain]]) -> tuple[int, str] | None:
    for other_line, (other, other_domain) in checked.items():
        if other_line == line:
            continue
        if (check_domain(domain, other["name"])[0] == "fits"
                and check_domain(other_domain, cells["name"])[0] == "fits"):
            return other_line, other["name"]
    return None


def _town(town: str, index: MunicipalityIndex, state: str, line: int,
          result: rp.RowResult) -> Municipality | None:
    if not town:
        return None
    match = index.match(town, state=state)
    if match.status != EXACT:
        match = index.match(town)
    if match.status != EXACT:
        result.issues.append(rp.Issue(rp.UNMATCHED, gettext_noop(
            "Sitz „%(town)s“ ist keine eindeutige Kommune%(hint)s; nicht übernommen."),
            {"town": town, "hint": f" ({describe(match.candidates)})" if match.candidates else ""},
            line, "town"))
        return None
    if match.municipality.ags[:2] != state:
        result.issues.append(rp.Issue(rp.SUSPICIOUS, gettext_noop(
            "Sitz „%(town)s“ liegt nicht im erwarteten Land (%(ags)s); Zeile bitte prüfen."),
            {"town": town, "ags": match.municipality.ags}, line, "town", rp.WARNING))
    return match.municipality


def _save_provider(actor: Actor, cells: dict[str, str], town: Municipality | None,
                   domain: Domain | None, result: rp.RowResult) -> None:
    website = f"https://{domain.host}" if domain else ""
    seat = town.short_name or base_name(town.name) if town else ""
    org = _find_org(cells["name"])
    if org is None:
        slug = free_slug(Organization, cells["name"], fallback="organisation")
        services.organization_create(actor=actor, name=cells["name"], slug=slug,
                                     kind=OrganizationKind.IT_PROVIDER, seat=seat, website=website)
        result.action = rp.CREATED
        return
    fill = {}
    for key, value in (("seat", seat), ("website", website)):
        current = getattr(org, key)
        if value and not current:
            fill[key] = value
        elif value and current and squash(current.removeprefix("https://").removeprefix("http://")
                                          .removeprefix("www.")) != squash(value.removeprefix("https://")):
            result.issues.append(rp.Issue(rp.SUSPICIOUS, gettext_noop(
                "%(field)s im Hub „%(hub)s“, in der Datei „%(file)s“: nicht überschrieben."),
                {"field": rp.Term(FIELD_NAMES[key]), "hub": current, "file": value}, result.row,
                key, rp.WARNING))
    if fill:
        services.organization_update(actor=actor, organization=org, **fill)
        result.action = rp.UPDATED
        result.changes = {k: ("", v) for k, v in fill.items()}


def _find_org(name: str) -> Organization | None:
    key = fold(name)
    for org in Organization.objects.all():
        names = [org.name, org.slug, *org.aliases.replace(";", ",").split(",")]
        if any(fold(n) == key for n in names if n.strip()):
            return org
    return None



def _communes(actor: Actor, data: bytes, report: rp.Report, index: MunicipalityIndex, state: str) -> None:
    table = _table(data, report, COMMUNE_COLUMNS)
    if table is None:
        return
    for line, cells in table.rows:
        name, domain = cells["name"].strip(), Domain.parse(cells["url"])
        result = rp.RowResult(line, name, rp.UNCHANGED)
        match = index.match(name, state=state)
        if match.status == LOOSE and check_domain(domain, match.municipality.name)[0] != "fits":
            match = Match(name, UNMATCHED, candidates=[match.municipality])
        if not match.found:
            result.action = rp.REJECTED
            result.issues.append(_unmatched_commune(name, domain, match, index, state, line))
            report.add_row(result)
            continue
        municipality = match.municipality
        if match.status == LOOSE:
            result.issues.append(rp.Issue(rp.SUSPICIOUS, gettext_noop(
                "„%(name)s“ als %(municipality)s (%(ags)s) erkannt: eindeutig im Land, die Domain "
                "%(domain)s bestätigt es."), {"name": name, "municipality": municipality.name,
                                              "ags": municipality.ags, "domain": domain.host},
                line, "name", rp.WARNING))
        verdict, typo = check_domain(domain, municipality.name)
        if verdict != "fits":
            result.issues.append(rp.Issue(rp.SUSPICIOUS, gettext_noop(
                "Domain „%(domain)s“ passt nicht zu %(municipality)s%(typo)s; Website nicht übernommen."),
                {"domain": domain.host, "municipality": municipality.name,
                 "typo": f" ({typo[0]} ≠ {typo[1]})" if typo else ""}, line, "url", rp.WARNING))
        elif not municipality.website:
            services.municipality_update(actor=actor, municipality=municipality,
                                         website=f"https://{domain.host}")
            result.action = rp.UPDATED
            result.changes = {"website": ("", f"https://{domain.host}")}
        report.add_row(result)


def _unmatched_commune(name: str, domain: Domain, match, index: MunicipalityIndex, state: str,
                       line: int) -> rp.Issue:
    """Say why, and what the data suggests ("Berglamen" with bergkamen.de), without applying it."""
    if match.status == AMBIGUOUS:
        return rp.Issue(rp.AMBIGUOUS, gettext_noop("„%(name)s“ passt zu mehreren Kommunen: %(candidates)s."),
                        {"name": name, "candidates": describe(match.candidates)}, line, "name")
    for part in [squash(".".join(domain.parts))] + domain.parts:
        by_domain = index.match(part, state=state)
        if by_domain.found:
            return rp.Issue(rp.UNMATCHED, gettext_noop(
                "„%(name)s“ ist keine Kommune in NRW; die Domain %(domain)s passt zu %(municipality)s "
                "(%(ags)s). Nicht übernommen – bitte Namen prüfen."),
                {"name": name, "domain": domain.host, "municipality": by_domain.municipality.name,
                 "ags": by_domain.municipality.ags}, line, "name")
    similar = match.candidates or index.suggest(name, state=state)
    if similar:
        return rp.Issue(rp.UNMATCHED, gettext_noop(
            "„%(name)s“ ist keine Kommune in NRW (ähnlich: %(candidates)s). Nicht übernommen – "
            "die Domain bestätigt keinen der Namen."),
            {"name": name, "candidates": describe(similar)}, line, "name")
    return rp.Issue(rp.UNMATCHED, gettext_noop("„%(name)s“ ist keine Kommune in NRW. Nicht übernommen."),
                    {"name": name}, line, "name")
