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


# --- Object rules for writes (API, UI and commands ask these; services do not) -------------
#
# Who may change what. "Editor of X" means the guardian object permission on X; moderators
# (and superusers) may do everything. Memberships are the one place that needs care: a
# provider's serving rights come from memberships, so only the *member* side (or a
# moderator) may create or end one — a provider adding a municipality as its client would
# grant itself rights over that municipality.


def can_edit_organization(user: User, organization: Organization) -> bool:
    if not user.is_authenticated:
        return False
    return is_moderator(user) or user.has_perm(EDIT_ORGANIZATION, organization)


def is_editor(user: User) -> bool:
    """Edits at least one municipality or organisation."""
    return user.is_authenticated and (edited_municipalities(user).exists()
                                      or edited_organizations(user).exists())


def can_change_usage(user: User, usage) -> bool:
    return can_record_usage(user, usage.municipality)


def can_delete_usage(user: User, usage) -> bool:
    """Own editors and moderators; a provider only withdraws its own unconfirmed proposals."""
    if can_edit_municipality(user, usage.municipality):
        return True
    return not usage.is_confirmed and provider_serving(user, usage.municipality) is not None


def can_confirm_usage(user: User, usage) -> bool:
    """The municipality's own editors confirm (moderators too, as in the admin)."""
    return can_edit_municipality(user, usage.municipality)


def can_see_contact_details(user: User) -> bool:
    """Email and phone of contacts: members (editors and moderators count as members), never
    anonymous users or vendors."""
    return is_member(user)


def can_change_contact(user: User, contact) -> bool:
    if contact.municipality_id:
        return can_edit_municipality(user, contact.municipality)
    if contact.organization_id:
        return can_edit_organization(user, contact.organization)
    return is_moderator(user)


def can_create_software(user: User) -> bool:
    """Editors add products they use that the catalogue lacks; moderators curate it."""
    return is_moderator(user) or is_editor(user)


def can_edit_software(user: User, software) -> bool:
    if is_moderator(user):
        return True
    return software.vendor_id is not None and can_edit_organization(user, software.vendor)


def can_edit_service(user: User) -> bool:
    """The OZG/LeiKa catalogue is curated by moderators only."""
    return is_moderator(user)


def can_create_organization(user: User) -> bool:
    return is_moderator(user)


def can_manage_membership(user: User, membership: Membership) -> bool:
    if is_moderator(user):
        return True
    if membership.member_municipality_id:
        return can_edit_municipality(user, membership.member_municipality)
    if membership.member_organization_id:
        return can_edit_organization(user, membership.member_organization)
    return False


def can_edit_collaboration(user: User, collaboration) -> bool:
    """Moderators, and the editors of the lead municipality or lead organisation."""
    if is_moderator(user):
        return True
    if collaboration.lead_municipality_id and can_edit_municipality(
            user, collaboration.lead_municipality):
        return True
    return bool(collaboration.lead_organization_id) and can_edit_organization(
        user, collaboration.lead_organization)

def municipality_editors(municipality: Municipality) -> list[AbstractBaseUser]:
    """Accounts holding the editor permission on this municipality directly (not
    moderators, not via groups), for the 'invite colleagues' list."""
    from guardian.shortcuts import get_users_with_perms

    users = get_users_with_perms(municipality, only_with_perms_in=["change_municipality"],
                                 with_superusers=False, with_group_users=False)
    return sorted(users, key=lambda u: (u.get_full_name() or u.get_username()).lower())

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
