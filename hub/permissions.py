"""Who may do what: the one place that talks to django-guardian.

Roles:
- moderators: group ``moderators`` (KDN moderation), may change everything;
- members: group ``members`` and every editor; read members-only data;
- vendors: group ``vendors``; accounts of software companies, public data only;
- municipality editors: object permission ``hub.change_municipality`` on their municipality;
- provider editors: object permission ``hub.change_organization`` on their IT provider, and
  through it on the municipalities the provider serves (memberships of the municipality
  or of its Kreis).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.db.models import Q, QuerySet
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from hub.models import Membership, MembershipRole, Municipality, Organization, OrganizationKind

MODERATORS = "moderators"
MEMBERS = "members"
VENDORS = "vendors"

EDIT_MUNICIPALITY = "hub.change_municipality"
EDIT_ORGANIZATION = "hub.change_organization"

User = AbstractBaseUser | AnonymousUser

SERVING_ROLES = [MembershipRole.MEMBER, MembershipRole.CARRIER, MembershipRole.CLIENT]


def _in_group(user: User, name: str) -> bool:
    if not user.is_authenticated:
        return False
    cache = getattr(user, "_hub_groups", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True))
        user._hub_groups = cache
    return name in cache


def is_moderator(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or _in_group(user, MODERATORS))


def is_vendor(user: User) -> bool:
    return _in_group(user, VENDORS) and not is_moderator(user)


def edited_municipalities(user: User) -> QuerySet[Municipality]:
    if not user.is_authenticated:
        return Municipality.objects.none()
    return get_objects_for_user(user, EDIT_MUNICIPALITY, klass=Municipality,
                                accept_global_perms=False, with_superuser=False)


def edited_organizations(user: User) -> QuerySet[Organization]:
    if not user.is_authenticated:
        return Organization.objects.none()
    return get_objects_for_user(user, EDIT_ORGANIZATION, klass=Organization,
                                accept_global_perms=False, with_superuser=False)


def is_member(user: User) -> bool:
    """Members read members-only data. Vendors never do, even if also in another group."""
    if not user.is_authenticated or is_vendor(user):
        return False
    return (is_moderator(user) or _in_group(user, MEMBERS)
            or edited_municipalities(user).exists() or edited_organizations(user).exists())


def served_municipalities(provider: Organization) -> QuerySet[Municipality]:
    """Municipalities an IT provider serves: members/clients directly, or via their Kreis."""
    direct = Membership.objects.filter(organization=provider, role__in=SERVING_ROLES,
                                       member_municipality__isnull=False)
    ids = direct.values("member_municipality")
    return Municipality.objects.filter(Q(pk__in=ids) | Q(parent__in=ids))


def can_edit_municipality(user: User, municipality: Municipality) -> bool:
    """Editors of the municipality itself (not providers): confirm usages, edit profile."""
    if not user.is_authenticated:
        return False
    if is_moderator(user):
        return True
    return user.has_perm(EDIT_MUNICIPALITY, municipality)


def is_own_editor(user: User, municipality: Municipality) -> bool:
    """True only for the municipality's own editors: their entries need no confirmation."""
    return user.is_authenticated and edited_municipalities(user).filter(pk=municipality.pk).exists()


def provider_serving(user: User, municipality: Municipality) -> Organization | None:
    """The IT provider through which this user may record usages for the municipality."""
    providers = edited_organizations(user).filter(kind=OrganizationKind.IT_PROVIDER)
    for provider in providers:
        if served_municipalities(provider).filter(pk=municipality.pk).exists():
            return provider
    return None


def can_record_usage(user: User, municipality: Municipality) -> bool:
    return can_edit_municipality(user, municipality) or provider_serving(user, municipality) is not None


def grant_municipality_editor(user: AbstractBaseUser, municipality: Municipality) -> None:
    assign_perm(EDIT_MUNICIPALITY, user, municipality)


def revoke_municipality_editor(user: AbstractBaseUser, municipality: Municipality) -> None:
    remove_perm(EDIT_MUNICIPALITY, user, municipality)


def grant_organization_editor(user: AbstractBaseUser, organization: Organization) -> None:
    assign_perm(EDIT_ORGANIZATION, user, organization)


def ensure_groups() -> None:
    for name in (MODERATORS, MEMBERS, VENDORS):
        Group.objects.get_or_create(name=name)


# Object permissions of other apps (e.g. co-editors of a knowledge article), so that this
# module stays the one place that talks to guardian.
def grant_object_perm(user: AbstractBaseUser, perm: str, obj) -> None:
    assign_perm(perm, user, obj)


def revoke_object_perm(user: AbstractBaseUser, perm: str, obj) -> None:
    remove_perm(perm, user, obj)


def has_object_perm(user: User, perm: str, obj) -> bool:
    """Object permission only (no global permission, no superuser shortcut)."""
    if not user.is_authenticated:
        return False
    return get_objects_for_user(user, perm, klass=type(obj).objects.filter(pk=obj.pk),
                                accept_global_perms=False, with_superuser=False).exists()


def objects_with_perm(user: User, perm: str, queryset: QuerySet) -> QuerySet:
    if not user.is_authenticated:
        return queryset.none()
    return get_objects_for_user(user, perm, klass=queryset, accept_global_perms=False,
                                with_superuser=False)


def users_with_object_perm(perm: str, obj) -> QuerySet:
    from guardian.shortcuts import get_users_with_perms

    codename = perm.split(".", 1)[-1]
    return get_users_with_perms(obj, only_with_perms_in=[codename], with_superusers=False,
                                with_group_users=True)
