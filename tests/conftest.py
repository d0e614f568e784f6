"""Personas shared by every test package: anonymous, member, own editor, other editor,
provider editor, moderator, vendor. Each is a real user with real guardian permissions."""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from hub import permissions
from hub.models import Membership, MembershipRole, Municipality, Organization
from tests import factories

# One embedded graph engine for the whole run, shared by every package that asks for `graph`.
pytest_plugins = ["tests.graph_engine"]


@dataclass
class World:
    kreis: Municipality
    own: Municipality
    other: Municipality
    provider: Organization


@pytest.fixture
def world(db) -> World:
    permissions.ensure_groups()
    kreis = factories.KreisFactory(ags="05158000", name="Mettmann")
    own = factories.MunicipalityFactory(ags="05158004", name="Erkrath", parent=kreis)
    other = factories.MunicipalityFactory(ags="05117000", name="Mülheim an der Ruhr",
                                          kind="kreisfreie_stadt")
    provider = factories.OrganizationFactory(name="KRZN", slug="krzn")
    Membership.objects.create(organization=provider, member_municipality=kreis,
                              role=MembershipRole.MEMBER)
    return World(kreis=kreis, own=own, other=other, provider=provider)


@pytest.fixture
def anonymous():
    return AnonymousUser()


@pytest.fixture
def member(db):
    user = factories.UserFactory(username="member")
    user.groups.add(Group.objects.get_or_create(name=permissions.MEMBERS)[0])
    return user


@pytest.fixture
def own_editor(world):
    user = factories.UserFactory(username="own_editor")
    permissions.grant_municipality_editor(user, world.own)
    return user


@pytest.fixture
def other_editor(world):
    user = factories.UserFactory(username="other_editor")
    permissions.grant_municipality_editor(user, world.other)
    return user


@pytest.fixture
def provider_editor(world):
    user = factories.UserFactory(username="provider_editor")
    permissions.grant_organization_editor(user, world.provider)
    return user


@pytest.fixture
def moderator(db):
    user = factories.UserFactory(username="moderator", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=permissions.MODERATORS)[0])
    return user


@pytest.fixture
def vendor(db):
    user = factories.UserFactory(username="vendor")
    user.groups.add(Group.objects.get_or_create(name=permissions.VENDORS)[0])
    return user


def pytest_report_header(config):
    from django.conf import settings

    return f"database: {settings.DATABASES['default']['ENGINE']}"
