"""factory_boy factories for the hub domain; keys are valid by construction."""

import factory
from django.contrib.auth import get_user_model

from hub import models


class StateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.State
        django_get_or_create = ["code"]

    code = "05"
    name = "Nordrhein-Westfalen"


class KreisFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Municipality
        django_get_or_create = ["ags"]

    state = factory.SubFactory(StateFactory)
    ags = factory.Sequence(lambda n: f"05{(n % 9) + 1}{(n % 90) + 10:02d}000")
    name = factory.Sequence(lambda n: f"Kreis {n}")
    kind = models.MunicipalityKind.KREIS


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Municipality

    state = factory.SubFactory(StateFactory)
    ags = factory.Sequence(lambda n: f"057{n // 1000 % 100:02d}{n % 1000:03d}")
    name = factory.Sequence(lambda n: f"Teststadt {n}")
    kind = models.MunicipalityKind.STADT
    population = 25000


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Organization

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    kind = models.OrganizationKind.IT_PROVIDER


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.SoftwareCategory
        django_get_or_create = ["slug"]

    name = "Ratsinformationssystem"
    slug = "ratsinformationssystem"


class SoftwareFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Software

    name = factory.Sequence(lambda n: f"Produkt {n}")
    slug = factory.Sequence(lambda n: f"produkt-{n}")
    category = factory.SubFactory(CategoryFactory)


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Service

    kind = models.ServiceKind.OZG
    ozg_id = factory.Sequence(lambda n: f"{10000 + n}")
    name = factory.Sequence(lambda n: f"Leistung {n}")


class UsageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Usage

    municipality = factory.SubFactory(MunicipalityFactory)
    software = factory.SubFactory(SoftwareFactory)
    status = models.UsageStatus.PRODUCTION


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Contact

    name = factory.Sequence(lambda n: f"Erika Muster {n}")
    email = factory.Sequence(lambda n: f"person{n}@example.org")
    phone = "+49 211 000000"
    municipality = factory.SubFactory(MunicipalityFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-1")

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        """Store the password set after creation, so the user can log in (test client
        force_login checks the session hash against the database)."""
        if create and results:
            instance.save(update_fields=["password"])
