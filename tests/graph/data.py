"""Small generated data sets for the graph tests: hub.dataset's synthetic Germany at small
scale, plus what the generator does not make (services on usages, collaborations, an
association, more members-only rows), drawn from the same seed."""

from __future__ import annotations

import random

from hub import dataset
from hub.models import (
    Collaboration,
    CollaborationStatus,
    CollaborationTopic,
    Membership,
    MembershipRole,
    Municipality,
    Organization,
    OrganizationKind,
    Service,
    ServiceKind,
    Software,
    Usage,
    UsageStatus,
    Visibility,
)

SMALL = {"municipalities": 80, "software": 30, "usages_per_municipality": 8}


def generate(seed: int, **sizes: int) -> None:
    dataset.generate(**{**SMALL, **sizes}, seed=seed, progress=False)
    enrich(seed)


def enrich(seed: int) -> None:
    rng = random.Random(seed)
    municipalities = list(Municipality.objects.order_by("ags"))
    software = list(Software.objects.order_by("slug"))
    providers = list(Organization.objects.filter(kind=OrganizationKind.IT_PROVIDER))

    ozg = [Service.objects.create(kind=ServiceKind.OZG, ozg_id=f"{90000 + seed * 10 + i}",
                                  name=f"Testleistung {i}") for i in range(3)]
    leika = [Service.objects.create(kind=ServiceKind.LEIKA, leika_key=f"99{seed:04d}{i:08d}",
                                    name=f"Test-LeiKa {i}", ozg_service=ozg[i % 3])
             for i in range(4)]
    services = ozg + leika
    for usage in Usage.objects.order_by("pk"):
        if rng.random() < 0.3:
            usage.services.set(rng.sample(services, rng.randint(1, 2)))
        if rng.random() < 0.07 and usage.visibility == Visibility.PUBLIC:
            usage.visibility = Visibility.MEMBERS
            usage.save(update_fields=["visibility"])

    association = Organization.objects.create(name="Testverband", slug=f"testverband-{seed}",
                                              kind=OrganizationKind.ASSOCIATION)
    for provider in providers[:2]:
        Membership.objects.create(organization=association, member_organization=provider)
    for m in rng.sample(municipalities, 6):
        Membership.objects.create(organization=association, member_municipality=m,
                                  role=MembershipRole.MEMBER)
    ended = rng.choice(municipalities)
    Membership.objects.create(organization=providers[0], member_municipality=ended,
                              role=MembershipRole.CLIENT, since="2010-01-01", until="2015-01-01")

    for i, visibility in enumerate([Visibility.PUBLIC, Visibility.PUBLIC, Visibility.MEMBERS]):
        collaboration = Collaboration.objects.create(
            title=f"Kooperation {i}", slug=f"kooperation-{seed}-{i}",
            topic=CollaborationTopic.PROCUREMENT, status=CollaborationStatus.ACTIVE,
            visibility=visibility, lead_municipality=rng.choice(municipalities))
        collaboration.municipalities.set(rng.sample(municipalities, 3))
        collaboration.organizations.set(rng.sample(providers, 1))
        collaboration.software.set(rng.sample(software, 2))
        collaboration.services.set(rng.sample(services, 1))

    # a few planned usages open to joint procurement, for planned_by's ordering
    for usage in Usage.objects.filter(status=UsageStatus.PLANNED).order_by("pk")[:5]:
        usage.open_to_joint_procurement = True
        usage.save(update_fields=["open_to_joint_procurement"])
