"""Selectors: graph answers rehydrated in order, and members-only data never reaches anyone
who may not see it."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from graph import discovery, projection, selectors
from hub.models import (
    Collaboration,
    Municipality,
    Service,
    Software,
    Usage,
    UsageStatus,
    Visibility,
)
from tests import factories
from tests.graph import data


@pytest.fixture
def generated(graph):
    data.generate(1)
    projection.rebuild()


def _members_only_software() -> Software:
    return Software.objects.filter(usages__visibility=Visibility.MEMBERS,
                                   usages__status__in=["pilot", "production"]).order_by("slug").first()


def test_used_by_hides_members_only_usages_from_anonymous_users(generated, anonymous, member):
    software = _members_only_software()
    public = selectors.software_used_by(user=anonymous, software=software)
    everything = selectors.software_used_by(user=member, software=software)
    assert public and all(u.visibility == Visibility.PUBLIC for u in public)
    assert any(u.visibility == Visibility.MEMBERS for u in everything)
    assert [u.pk for u in everything] == [h.usage for h in discovery.used_by(software.pk,
                                                                             members=True)]


def test_similar_rehydrates_in_ranking_order_with_public_evidence_only(generated, anonymous):
    municipality = Municipality.objects.filter(usages__isnull=False).order_by("ags").first()
    hits = selectors.municipality_similar(user=anonymous, municipality=municipality)
    assert [h.municipality.pk for h in hits] == \
        [h.municipality for h in discovery.similar(municipality.pk)]
    for hit in hits:
        for product in hit.shared_software:
            for place in (municipality, hit.municipality):
                assert Usage.objects.filter(municipality=place, software=product,
                                            visibility=Visibility.PUBLIC,
                                            status__in=["pilot", "production"]).exists()


def test_recommendations_for_anonymous_users_rest_on_public_usages(generated, anonymous):
    for municipality in Municipality.objects.filter(usages__isnull=False)[:10]:
        for rec in selectors.municipality_recommendations(user=anonymous,
                                                          municipality=municipality):
            for neighbour in rec.used_by:
                assert Usage.objects.filter(municipality=neighbour, software=rec.software,
                                            visibility=Visibility.PUBLIC,
                                            status__in=["pilot", "production"]).exists()


def test_offers_and_plans_show_anonymous_users_public_usages_only(generated, anonymous):
    for service in Service.objects.all():
        for offer in selectors.service_offered_by(user=anonymous, service=service):
            assert all(u.visibility == Visibility.PUBLIC for u in offer.usages)
    for software in Software.objects.all():
        for plan in selectors.software_planned_by(user=anonymous, software=software):
            assert plan.usage.visibility == Visibility.PUBLIC
            assert plan.usage.status in {UsageStatus.PLANNED, UsageStatus.EVALUATING}


def test_rows_missing_from_the_database_are_dropped(generated, anonymous):
    municipality = Municipality.objects.filter(usages__isnull=False).order_by("ags").first()
    first = discovery.similar(municipality.pk)[0].municipality
    Municipality.objects.filter(pk=first).delete()  # the graph has not heard of it yet
    hits = selectors.municipality_similar(user=anonymous, municipality=municipality)
    assert first not in [h.municipality.pk for h in hits] and hits


def test_connections_through_members_only_data_are_for_members(graph, anonymous, member):
    a, b, c = (factories.MunicipalityFactory() for _ in range(3))
    product = factories.SoftwareFactory()
    factories.UsageFactory(municipality=a, software=product)
    factories.UsageFactory(municipality=c, software=product, visibility=Visibility.MEMBERS)
    secret = Collaboration.objects.create(title="Intern", slug="intern", topic="other",
                                          visibility=Visibility.MEMBERS)
    secret.municipalities.set([a, b])
    projection.rebuild()
    assert selectors.municipality_connections(user=anonymous, source=a, target=b) == []
    assert selectors.municipality_connections(user=anonymous, source=a, target=c) == []
    via_collaboration = selectors.municipality_connections(user=member, source=a, target=b)
    assert [(p.nodes, p.relationships) for p in via_collaboration] == \
        [([a, secret, b], ["PARTICIPATES_IN", "PARTICIPATES_IN"])]
    via_product = selectors.municipality_connections(user=member, source=a, target=c)
    assert [(p.nodes, p.relationships) for p in via_product] == [([a, product, c],
                                                                  ["USES", "USES"])]


def test_commands_print_discovery_and_check_results(generated, capsys):
    municipality = Municipality.objects.filter(usages__isnull=False).order_by("ags").first()
    software = Software.objects.filter(usages__isnull=False).order_by("slug").first()
    call_command("discover", "similar", municipality.ags)
    call_command("discover", "used-by", software.slug, "--status", "production")
    call_command("discover", "connections", municipality.ags,
                 Municipality.objects.order_by("-ags").first().ags)
    out = capsys.readouterr().out
    assert str(discovery.similar(municipality.pk)[0].units / 1e6)[:6] in out
    assert "Treffer" in out
    call_command("graph_check")
    assert "stimmen überein" in capsys.readouterr().out
    running = Usage.objects.filter(status=UsageStatus.PRODUCTION).order_by("pk").first()
    Usage.objects.filter(pk=running.pk).update(status=UsageStatus.RETIRED)  # no signal, no event
    with pytest.raises(CommandError, match="USES"):
        call_command("graph_check")
    call_command("graph_sync", "--once")
    call_command("graph_rebuild")
    call_command("graph_check")
    assert "stimmen überein" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("discover", "similar", "05999999")
