"""A synthetic, Germany-sized data set for benchmarks and load tests.

Why synthetic: the real data holds a few hundred usages; query plans, graph projections and
"similar municipalities" only show their cost at the scale of every German municipality using
dozens of products. The generator builds that scale with the same shape as the real thing:
16 Länder, ~400 Kreise and kreisfreie Städte, Gemeinden under their Kreis, IT providers per
Land, software spread over the real categories with Zipf-like popularity, regional preferences
inside a Kreis, and usages that are mostly in production with some pilots, plans and
retirements with successors.

Every row is fictional and flagged `is_demo`; names say so ("Synthgemeinde 00042") and every
AGS uses Regierungsbezirk digits 9 and below counting down, so nothing pretends to be real.
The same seed yields the same rows (timestamps aside). It is meant for an empty database.

Every row gets its initial django-simple-history record, as a row saved through a service
would (hub.demo.sync.record_initial_history, one INSERT … SELECT per table). Measured at the
default size (11,296 municipalities, 451,840 usages, SQLite, 2 busy cores): 2.6 s on top of
about two minutes of generation, and 153 MB more database (history tables and their
indexes; the usages table with its indexes takes 143 MB, the whole file 302 MB). Kept, because benchmarks and soak runs then see a database shaped
like production's, where no record lacks its history, and because the history pages of
generated objects are not empty.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from hub import outbox
from hub.demo.geography import load_states
from hub.demo.software import load_categories
from hub.demo.sync import record_initial_history
from hub.models import (
    Membership,
    MembershipRole,
    Municipality,
    MunicipalityKind,
    Organization,
    OrganizationKind,
    Software,
    Usage,
    UsageSource,
    UsageStatus,
    Visibility,
)

BATCH_SIZE = 2000
GEMEINDEN_PER_UNIT = 27.5  # 11,004 Gemeinden / ~400 Kreise and kreisfreie Städte
KREISFREI_SHARE = 0.26  # 107 of 401
CITY_STATES = {"02", "04", "11"}
# Real Gemeinden per Land: Kreise are spread like the Gemeinden are.
GEMEINDEN_PER_STATE = {"01": 1108, "03": 967, "05": 396, "06": 426, "07": 2303, "08": 1103,
                       "09": 2230, "10": 53, "12": 417, "13": 727, "14": 419, "15": 218,
                       "16": 633}
STATUSES = (UsageStatus.PRODUCTION, UsageStatus.PILOT, UsageStatus.PLANNED,
            UsageStatus.EVALUATING, UsageStatus.RETIRED)
STATUS_WEIGHTS = (0.80, 0.04, 0.05, 0.03, 0.08)
LICENCES = ("EUPL-1.2", "AGPL-3.0", "MIT", "MPL-2.0", "GPL-3.0", "Apache-2.0")
ZIPF_EXPONENT = 1.1
ANCHOR = dt.date(2025, 1, 1)  # "today" of the data, fixed so that a seed means the same rows


class DatabaseNotEmpty(RuntimeError):
    """Synthetic AGS and slugs would collide with existing rows."""


@dataclass
class Unit:
    """A Kreis or a kreisfreie Stadt with its Gemeinden (as AGS), before saving."""

    state: str
    ags: str
    name: str
    kreisfrei: bool
    provider: int
    gemeinden: list[str] = field(default_factory=list)


def generate(*, municipalities: int, software: int, usages_per_municipality: int, seed: int,
             progress: bool = True) -> dict[str, int]:
    """Build the data set into the configured database; returns counts per entity.

    `municipalities` counts Gemeinden (kreisfreie Städte included); the Kreise come on top,
    one per ~27 Gemeinden. Raises DatabaseNotEmpty if municipalities exist already."""
    if municipalities < 1 or software < 1 or usages_per_municipality < 0:
        raise ValueError(_("Alle Größen müssen positiv sein."))
    if Municipality.objects.exists():
        raise DatabaseNotEmpty(_("Die Datenbank enthält bereits Kommunen; der synthetische "
                                 "Datensatz braucht eine leere Datenbank (--flush)."))
    rng = np.random.default_rng(seed)
    with transaction.atomic():
        states = {code: s.pk for code, s in load_states().items()}
        categories = [c.pk for c in load_categories().values()]
        units = _layout(rng=rng, gemeinden=municipalities)
        providers = _create_providers(units=units)
        places = _create_municipalities(rng=rng, units=units, states=states, progress=progress)
        memberships = _create_memberships(units=units, places=places, providers=providers)
        products = _create_software(rng=rng, count=software, categories=categories)
        usages = _create_usages(rng=rng, units=units, places=places, products=products,
                                providers=providers, per_municipality=usages_per_municipality,
                                seed=seed, progress=progress)
        record_initial_history(reason="generate_dataset")
        outbox.emit_rebuild("generate_dataset")
    return {"states": len(states), "municipalities": len(places),
            "kreise": sum(not u.kreisfrei for u in units), "organizations": len(providers)
            + products.vendors, "memberships": memberships, "software": len(products.pks),
            "usages": usages}


# --- geography ---------------------------------------------------------------------------

def _layout(*, rng: np.random.Generator, gemeinden: int) -> list[Unit]:
    """Kreise and kreisfreie Städte with their Gemeinden and keys, before anything is saved."""
    n_units = max(1, round(gemeinden / GEMEINDEN_PER_UNIT))
    n_kreisfrei = min(int(n_units * KREISFREI_SHARE), gemeinden - (n_units > 1))
    n_kreise = n_units - n_kreisfrei
    sizes = _kreis_sizes(rng=rng, kreise=n_kreise, gemeinden=gemeinden - n_kreisfrei)
    kreis_states = _draw_states(rng=rng, count=n_kreise, city_states=False)
    city_states = _draw_states(rng=rng, count=n_kreisfrei, city_states=True)
    n_providers = max(1, n_units // 15)
    counters: dict[str, int] = {}
    units = []
    for i, (state, kreisfrei) in enumerate([*((s, False) for s in kreis_states),
                                            *((s, True) for s in city_states)]):
        # Providers work within a Land: ~15 neighbouring units share one.
        provider = (int(state) + counters.get(state, 0) // 15) % n_providers
        prefix = _unit_prefix(state=state, counters=counters)
        number = i + 1
        name = f"Synthstadt {number:03d}" if kreisfrei else f"Synthkreis {number:03d}"
        unit = Unit(state=state, ags=f"{prefix}000", name=name, kreisfrei=kreisfrei,
                    provider=provider)
        unit.gemeinden = [unit.ags] if kreisfrei else [f"{prefix}{j:03d}"
                                                       for j in range(1, sizes[i] + 1)]
        units.append(unit)
    return units


def _kreis_sizes(*, rng: np.random.Generator, kreise: int, gemeinden: int) -> list[int]:
    """Gemeinden per Kreis: skewed like the real ones (Rheinland-Pfalz vs. NRW), at least one,
    at most 999 (three AGS digits)."""
    if kreise == 0:
        return []
    weights = rng.lognormal(mean=0.0, sigma=0.8, size=kreise)
    sizes = 1 + rng.multinomial(gemeinden - kreise, weights / weights.sum())
    if sizes.max() > 999:
        raise ValueError(_("Zu viele Gemeinden für die Zahl der Kreise."))
    return sizes.tolist()


def _draw_states(*, rng: np.random.Generator, count: int, city_states: bool) -> list[str]:
    weights = dict(GEMEINDEN_PER_STATE)
    if city_states:  # kreisfreie Städte: every Land has some, the city states consist of one
        weights = {code: 1.0 for code in sorted([*weights, *CITY_STATES])}
    codes = sorted(weights)
    p = np.array([weights[c] for c in codes], dtype=float)
    return [codes[i] for i in rng.choice(len(codes), size=count, p=p / p.sum())]


def _unit_prefix(*, state: str, counters: dict[str, int]) -> str:
    """Land + Regierungsbezirk + Kreis: RB digits count down from 9 so the keys are
    recognisably synthetic; 9 × 99 units per Land at most."""
    k = counters.get(state, 0)
    counters[state] = k + 1
    if k >= 9 * 99:
        raise ValueError(_("Zu viele Kreise in einem Land."))
    return f"{state}{9 - k // 99}{k % 99 + 1:02d}"


def _create_municipalities(*, rng: np.random.Generator, units: list[Unit],
                           states: dict[str, int], progress: bool) -> dict[str, int]:
    """Kreise first (they are the parents), then all Gemeinden; returns AGS → pk."""
    kreise = [_kreis(rng=rng, unit=u, states=states) for u in units if not u.kreisfrei]
    Municipality.objects.bulk_create(kreise, batch_size=BATCH_SIZE)
    places = {m.ags: m.pk for m in kreise}
    centres = {m.ags: (m.latitude, m.longitude) for m in kreise}
    total = sum(len(u.gemeinden) for u in units)
    with tqdm(total=total, desc=_("Kommunen"), disable=not progress, unit="") as bar:
        for batch in _chunks(_gemeinden(rng=rng, units=units, states=states, parents=places,
                                        centres=centres), BATCH_SIZE):
            Municipality.objects.bulk_create(batch, batch_size=BATCH_SIZE)
            places.update((m.ags, m.pk) for m in batch)
            bar.update(len(batch))
    _sum_kreis_population(kreise=kreise)
    return places


def _kreis(*, rng: np.random.Generator, unit: Unit, states: dict[str, int]) -> Municipality:
    return Municipality(
        ags=unit.ags, ars=f"{unit.ags[:5]}0000000", name=unit.name, short_name=unit.name,
        kind=MunicipalityKind.KREIS, state_id=states[unit.state], population=0,
        latitude=round(float(rng.uniform(47.4, 54.9)), 5),
        longitude=round(float(rng.uniform(6.0, 14.9)), 5), is_demo=True,
    )


def _gemeinden(*, rng: np.random.Generator, units: list[Unit], states: dict[str, int],
               parents: dict[str, int], centres: dict[str, tuple]) -> Iterator[Municipality]:
    number = 0
    for unit in units:
        centre = centres.get(unit.ags) or (rng.uniform(47.4, 54.9), rng.uniform(6.0, 14.9))
        for ags in unit.gemeinden:
            number += 1
            yield _gemeinde(rng=rng, ags=ags, number=number, unit=unit, state=states[unit.state],
                            parent=parents.get(unit.ags) if not unit.kreisfrei else None,
                            centre=centre)


def _gemeinde(*, rng: np.random.Generator, ags: str, number: int, unit: Unit, state: int,
              parent: int | None, centre: tuple) -> Municipality:
    if unit.kreisfrei:
        kind, population = MunicipalityKind.KREISFREIE_STADT, int(rng.lognormal(11.8, 0.7))
        name = unit.name
    else:
        kind = str(rng.choice([MunicipalityKind.GEMEINDE, MunicipalityKind.STADT,
                               MunicipalityKind.MARKT, MunicipalityKind.GROSSE_KREISSTADT],
                              p=[0.76, 0.2, 0.03, 0.01]))
        population, name = int(rng.lognormal(8.0, 1.2)), f"Synthgemeinde {number:05d}"
    return Municipality(
        ags=ags, ars=f"{ags[:5]}0{ags[5:]}{ags[5:]}", name=name, short_name=name, kind=kind,
        state_id=state, parent_id=parent, population=population,
        area_km2=round(float(rng.lognormal(3.2, 0.8)), 2),
        postal_code=f"{int(rng.integers(1067, 99999)):05d}",
        latitude=round(float(centre[0] + rng.normal(0, 0.12)), 5),
        longitude=round(float(centre[1] + rng.normal(0, 0.18)), 5), is_demo=True,
    )


def _sum_kreis_population(*, kreise: list[Municipality]) -> None:
    totals = dict(Municipality.objects.filter(parent__in=[k.pk for k in kreise])
                  .values("parent_id").annotate(n=Sum("population"))
                  .values_list("parent_id", "n"))
    for kreis in kreise:
        kreis.population = totals.get(kreis.pk) or 0
    Municipality.objects.bulk_update(kreise, ["population"], batch_size=BATCH_SIZE)


# --- organisations -----------------------------------------------------------------------

def _create_providers(*, units: list[Unit]) -> list[int]:
    """IT providers, roughly one per 15 Kreise; returns their pks by index."""
    count = max(u.provider for u in units) + 1
    orgs = [Organization(name=f"Synth-IT {i + 1:02d}", slug=f"synth-it-{i + 1:02d}",
                         kind=OrganizationKind.IT_PROVIDER, is_demo=True) for i in range(count)]
    Organization.objects.bulk_create(orgs, batch_size=BATCH_SIZE)
    return [o.pk for o in orgs]


def _create_memberships(*, units: list[Unit], places: dict[str, int],
                        providers: list[int]) -> int:
    rows = [Membership(organization_id=providers[u.provider], member_municipality_id=places[u.ags],
                       role=MembershipRole.CARRIER if i % 3 == 0 else MembershipRole.MEMBER)
            for i, u in enumerate(units)]
    Membership.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return len(rows)


# --- software ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Products:
    pks: np.ndarray  # software pks, index = software number
    weights: np.ndarray  # popularity, sums to 1
    category: np.ndarray  # category index per software
    vendors: int


def _create_software(*, rng: np.random.Generator, count: int, categories: list[int]) -> Products:
    """Products spread over the categories; popularity is Zipf-like within a category and
    categories themselves are Zipf-weighted, so a few products dominate as in reality."""
    n_vendors = max(1, count // 8)
    vendors = [Organization(name=f"Synthvendor {i + 1:03d}", slug=f"synthvendor-{i + 1:03d}",
                            kind=OrganizationKind.VENDOR, is_demo=True) for i in range(n_vendors)]
    Organization.objects.bulk_create(vendors, batch_size=BATCH_SIZE)
    cat_weights = 1.0 / np.arange(1, len(categories) + 1) ** 0.7
    category = rng.choice(len(categories), size=count, p=cat_weights / cat_weights.sum())
    weights = np.empty(count)
    for c in range(len(categories)):
        members = np.flatnonzero(category == c)
        ranks = rng.permutation(len(members)) + 1
        weights[members] = cat_weights[c] / ranks ** ZIPF_EXPONENT
    open_source = rng.random(count) < 0.2
    items = [
        Software(name=f"Synthsoft {i + 1:04d}", slug=f"synthsoft-{i + 1:04d}",
                 category_id=categories[category[i]],
                 vendor_id=vendors[int(rng.integers(n_vendors))].pk,
                 is_open_source=bool(open_source[i]),
                 licence=str(rng.choice(LICENCES)) if open_source[i] else "", is_demo=True)
        for i in range(count)
    ]
    Software.objects.bulk_create(items, batch_size=BATCH_SIZE)
    return Products(pks=np.array([s.pk for s in items]), weights=weights / weights.sum(),
                    category=category, vendors=n_vendors)


# --- usages ------------------------------------------------------------------------------

def _create_usages(*, rng: np.random.Generator, units: list[Unit], places: dict[str, int],
                   products: Products, providers: list[int], per_municipality: int, seed: int,
                   progress: bool) -> int:
    """Each municipality takes about a quarter of its products from its Kreis' regional
    favourites and the rest by global popularity; the shared part makes neighbours similar."""
    k = min(per_municipality, len(products.pks))
    by_category = {int(c): np.flatnonzero(products.category == c)
                   for c in np.unique(products.category)}
    total = sum(len(u.gemeinden) + (not u.kreisfrei) for u in units)
    created = 0
    with tqdm(total=total, desc=_("Nutzungen"), disable=not progress, unit="") as bar:
        for unit in units:
            favourites = _draw(rng=rng, products=products, size=min(2 * k, len(products.pks)))
            members = unit.gemeinden if unit.kreisfrei else [unit.ags, *unit.gemeinden]
            pairs = [(places[ags], s) for ags in members
                     for s in _choose(rng=rng, products=products, favourites=favourites, k=k)]
            batch = _usages(rng=rng, pairs=pairs, products=products, by_category=by_category,
                            operator=providers[unit.provider], seed=seed)
            Usage.objects.bulk_create(batch, batch_size=BATCH_SIZE)
            created += len(batch)
            bar.update(len(members))
    return created


def _draw(*, rng: np.random.Generator, products: Products, size: int) -> np.ndarray:
    """Distinct software indices by popularity."""
    return rng.choice(len(products.pks), size=size, replace=False, p=products.weights)


def _choose(*, rng: np.random.Generator, products: Products, favourites: np.ndarray,
            k: int) -> list[int]:
    if k == 0:
        return []
    regional = favourites[rng.random(len(favourites)) < 0.25]
    extra = _draw(rng=rng, products=products, size=min(len(products.pks), 2 * k))
    return list(dict.fromkeys([*regional.tolist(), *extra.tolist()]))[:k]


def _usages(*, rng: np.random.Generator, pairs: list[tuple[int, int]], products: Products,
            by_category: dict[int, np.ndarray], operator: int, seed: int) -> list[Usage]:
    """Usages for (municipality pk, software index) pairs; the random draws are vectorised
    per batch because per-row numpy calls would dominate the run time."""
    n = len(pairs)
    status = rng.choice(len(STATUSES), size=n, p=STATUS_WEIGHTS)
    satisfaction = rng.choice(5, size=n, p=[0.05, 0.1, 0.3, 0.4, 0.15]) + 1
    coins = rng.random((n, 6))
    ages = rng.integers(365, 365 * 28, size=n)
    shorts = rng.integers(30, 700, size=n)
    targets = rng.integers(60, 1200, size=n)
    confirmed = rng.integers(0, 900, size=n)
    anchor = timezone.make_aware(dt.datetime.combine(ANCHOR, dt.time(12)))
    result = []
    for i, (municipality, software) in enumerate(pairs):
        state = STATUSES[status[i]]
        since, until, target = _dates(status=state, age=int(ages[i]), short=int(shorts[i]),
                                      target=int(targets[i]), fraction=float(coins[i, 0]))
        retired = state == UsageStatus.RETIRED
        successor = (_successor(rng=rng, software=software, products=products,
                                by_category=by_category) if retired and coins[i, 1] < 0.7
                     else None)
        rated = state in {UsageStatus.PRODUCTION, UsageStatus.RETIRED} and coins[i, 2] < 0.9
        result.append(Usage(
            municipality_id=municipality, software_id=int(products.pks[software]),
            status=state, since=since, until=until, target_date=target, successor_id=successor,
            satisfaction=int(satisfaction[i]) if rated else None,
            operated_by_id=operator if coins[i, 3] < 0.4 else None,
            open_to_joint_procurement=target is not None and coins[i, 4] < 0.4,
            source=UsageSource.DEMO, source_note=f"synthetisch (seed {seed})", is_demo=True,
            is_confirmed=coins[i, 5] < 0.85,
            last_confirmed_at=anchor - dt.timedelta(days=int(confirmed[i])),
            visibility=Visibility.MEMBERS if coins[i, 5] > 0.97 else Visibility.PUBLIC,
        ))
    return result


def _dates(*, status: str, age: int, short: int, target: int,
           fraction: float) -> tuple[dt.date | None, dt.date | None, dt.date | None]:
    """(since, until, target_date) consistent with the status: plans have a target date
    instead of a start, pilots are recent, retirements end after they began."""
    if status in {UsageStatus.PLANNED, UsageStatus.EVALUATING}:
        return None, None, ANCHOR + dt.timedelta(days=target)
    if status == UsageStatus.PILOT:
        return ANCHOR - dt.timedelta(days=short), None, None
    since = ANCHOR - dt.timedelta(days=age)
    if status == UsageStatus.RETIRED:
        return since, since + dt.timedelta(days=int(fraction * age)), None
    return since, None, None


def _successor(*, rng: np.random.Generator, software: int, products: Products,
               by_category: dict[int, np.ndarray]) -> int | None:
    """Another product of the same category, the more popular the likelier."""
    peers = by_category[int(products.category[software])]
    peers = peers[peers != software]
    if len(peers) == 0:
        return None
    p = products.weights[peers]
    return int(products.pks[int(rng.choice(peers, p=p / p.sum()))])


def _chunks(items, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
