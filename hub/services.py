"""Writes of the hub domain. The API, the web UI, the admin actions and the management
commands all call these, so validation, confirmation rules and history behave the same
whichever door a change comes through.

Services do not check permissions (callers do, via hub.permissions) but they do use the
actor to decide provenance: a usage entered by anyone but the municipality's own editors
stays *proposed* until the municipality confirms it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hub import errors, permissions
from hub.models import (
    USAGE_TRANSITIONS,
    Collaboration,
    Contact,
    Membership,
    Municipality,
    Organization,
    Service,
    Software,
    Usage,
    UsageSource,
    UsageStatus,
)

Actor = AbstractBaseUser | AnonymousUser | None

# Fields a caller may never set through a service: provenance is the service's job.
_PROTECTED = {"id", "pk", "created_at", "updated_at", "created_by", "is_confirmed",
              "last_confirmed_at", "history"}


def _assign(instance: models.Model, fields: dict[str, Any]) -> dict[str, Iterable]:
    """Set plain fields on the instance; return many-to-many values to set after saving."""
    m2m: dict[str, Iterable] = {}
    names = {f.name for f in instance._meta.get_fields()}
    for key, value in fields.items():
        if key in _PROTECTED or key not in names:
            raise ValidationError({key: ValidationError(
                _("Unbekanntes oder geschütztes Feld „%(field)s“.") % {"field": key},
                code=errors.INVALID)})
        field = instance._meta.get_field(key)
        if field.many_to_many:
            m2m[key] = value
        else:
            setattr(instance, key, value)
    return m2m


@transaction.atomic
def _save(instance: models.Model, *, actor: Actor, fields: dict[str, Any],
          before_clean: Callable[[Any], None] | None = None) -> Any:
    """The one write path of every create and update: record who (history), assign the
    fields, apply the entity's own rules (`before_clean`), validate, save, then set the
    many-to-many values (they need a primary key)."""
    _set_actor(instance, actor)
    m2m = _assign(instance, fields)
    if before_clean is not None:
        before_clean(instance)
    instance.full_clean()
    instance.save()
    for key, values in m2m.items():
        getattr(instance, key).set(values)
    return instance


@transaction.atomic
def _delete(instance: models.Model, *, actor: Actor) -> None:
    _set_actor(instance, actor)
    instance.delete()


def _set_actor(instance: models.Model, actor: Actor) -> None:
    """simple_history records who changed what; outside a request we tell it explicitly."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        instance._history_user = actor


def municipality_update(*, actor: Actor, municipality: Municipality, **fields: Any) -> Municipality:
    return _save(municipality, actor=actor, fields=fields)


def organization_create(*, actor: Actor, **fields: Any) -> Organization:
    return _save(Organization(), actor=actor, fields=fields)


def organization_update(*, actor: Actor, organization: Organization, **fields: Any) -> Organization:
    return _save(organization, actor=actor, fields=fields)


def membership_create(*, actor: Actor, **fields: Any) -> Membership:
    return _save(Membership(), actor=actor, fields=fields)


def membership_update(*, actor: Actor, membership: Membership, **fields: Any) -> Membership:
    return _save(membership, actor=actor, fields=fields)


def membership_delete(*, actor: Actor, membership: Membership) -> None:
    _delete(membership, actor=actor)


def software_create(*, actor: Actor, **fields: Any) -> Software:
    return _save(Software(), actor=actor, fields=fields)


def software_update(*, actor: Actor, software: Software, **fields: Any) -> Software:
    return _save(software, actor=actor, fields=fields)


def service_create(*, actor: Actor, **fields: Any) -> Service:
    return _save(Service(), actor=actor, fields=fields)


def service_update(*, actor: Actor, service: Service, **fields: Any) -> Service:
    return _save(service, actor=actor, fields=fields)


def contact_create(*, actor: Actor, **fields: Any) -> Contact:
    return _save(Contact(), actor=actor, fields=fields)


def contact_update(*, actor: Actor, contact: Contact, **fields: Any) -> Contact:
    return _save(contact, actor=actor, fields=fields)


def contact_delete(*, actor: Actor, contact: Contact) -> None:
    _delete(contact, actor=actor)


def collaboration_create(*, actor: Actor, **fields: Any) -> Collaboration:
    return _save(Collaboration(), actor=actor, fields=fields)


def collaboration_update(*, actor: Actor, collaboration: Collaboration, **fields: Any) -> Collaboration:
    return _save(collaboration, actor=actor, fields=fields)


def collaboration_delete(*, actor: Actor, collaboration: Collaboration) -> None:
    _delete(collaboration, actor=actor)


def _provenance(actor: Actor, municipality: Municipality, source: str | None) -> tuple[str, bool]:
    """(source, confirmed) for a new usage: only the municipality's own editors confirm."""
    own = actor is not None and permissions.is_own_editor(actor, municipality)
    if source is None:
        if own:
            source = UsageSource.SELF_DECLARED
        elif actor is not None and permissions.provider_serving(actor, municipality):
            source = UsageSource.PROVIDER
        else:
            source = UsageSource.MODERATOR
    return source, own


def _check_transition(old: str, new: str) -> None:
    if old != new and new not in USAGE_TRANSITIONS[old]:
        raise ValidationError({"status": ValidationError(
            _("Statuswechsel von „%(old)s“ nach „%(new)s“ ist nicht möglich.")
            % {"old": UsageStatus(old).label, "new": UsageStatus(new).label},
            code=errors.INVALID_TRANSITION)})


def _validate_unique_active(usage: Usage) -> None:
    """The partial unique constraint backs this up; checking first gives a field error
    instead of an IntegrityError on databases where full_clean skips conditions."""
    if usage.status == UsageStatus.RETIRED:
        return
    clash = Usage.objects.filter(municipality_id=usage.municipality_id, software_id=usage.software_id)
    clash = clash.exclude(status=UsageStatus.RETIRED).exclude(pk=usage.pk)
    if clash.exists():
        raise ValidationError({"software": ValidationError(
            _("Diese Kommune hat für diese Software bereits eine aktive Nutzung."),
            code=errors.DUPLICATE_ACTIVE_USAGE)})


def _usage_rules(usage: Usage) -> None:
    """What every usage write applies after its fields are set: a retired usage without an
    end date ends today; at most one active usage per municipality and product."""
    if usage.status == UsageStatus.RETIRED and usage.until is None:
        usage.until = timezone.localdate()
    _validate_unique_active(usage)


def usage_create(*, actor: Actor, municipality: Municipality, software: Software,
                 source: str | None = None, **fields: Any) -> Usage:
    """Record that a municipality uses (plans, evaluates, …) a product."""
    source, confirmed = _provenance(actor, municipality, source)
    usage = Usage(municipality=municipality, software=software, source=source,
                  is_confirmed=confirmed,
                  last_confirmed_at=timezone.now() if confirmed else None)
    if actor is not None and actor.is_authenticated:
        usage.created_by = actor
    return _save(usage, actor=actor, fields=fields, before_clean=_usage_rules)


def usage_update(*, actor: Actor, usage: Usage, **fields: Any) -> Usage:
    """Change a usage. Changes by the municipality's own editors count as a confirmation."""
    old_status = usage.status

    def rules(changed: Usage) -> None:
        _check_transition(old_status, changed.status)
        if actor is not None and permissions.is_own_editor(actor, changed.municipality):
            changed.is_confirmed = True
            changed.last_confirmed_at = timezone.now()
        _usage_rules(changed)

    return _save(usage, actor=actor, fields=fields, before_clean=rules)


def usage_retire(*, actor: Actor, usage: Usage, until: dt.date | None = None,
                 successor: Software | None = None, notes: str | None = None) -> Usage:
    """Retire a usage, keeping it as history; `successor` records the migration path."""
    fields: dict[str, Any] = {"status": UsageStatus.RETIRED, "until": until or usage.until,
                              "successor": successor}
    if notes is not None:
        fields["notes"] = notes
    return usage_update(actor=actor, usage=usage, **fields)


@transaction.atomic
def usage_confirm(*, actor: Actor, usage: Usage) -> Usage:
    """The municipality confirms a proposed usage, or re-confirms a stale one."""
    _set_actor(usage, actor)
    usage.is_confirmed = True
    usage.last_confirmed_at = timezone.now()
    usage.save(update_fields=["is_confirmed", "last_confirmed_at", "updated_at"])
    return usage


def usage_delete(*, actor: Actor, usage: Usage) -> None:
    _delete(usage, actor=actor)


@transaction.atomic
def usage_upsert_many(*, actor: Actor, municipality: Municipality,
                      rows: list[dict[str, Any]]) -> list[Usage]:
    """Apply a municipality's list of usages all or nothing: each row (with `software` and
    usage fields) updates the active usage of that product or creates one. Every row is
    validated; if any fails, nothing is saved and one ValidationError names each problem
    as "<row>.<field>" (row counted from 0)."""
    problems: dict[str, list[ValidationError]] = {}
    seen: set[int] = set()
    result: list[Usage] = []
    for index, row in enumerate(rows):
        fields = dict(row)
        software = fields.pop("software")
        if software.pk in seen:
            problems[f"{index}.software"] = [ValidationError(
                _("„%(software)s“ kommt in der Liste mehrfach vor.") % {"software": software.name},
                code=errors.DUPLICATE)]
            continue
        seen.add(software.pk)
        try:
            with transaction.atomic():
                result.append(_upsert_one(actor, municipality, software, fields))
        except ValidationError as exc:
            for field, messages in exc.update_error_dict({}).items():
                key = str(index) if field == "__all__" else f"{index}.{field}"
                problems.setdefault(key, []).extend(messages)
    if problems:
        raise ValidationError(problems)
    return result


def _upsert_one(actor: Actor, municipality: Municipality, software: Software,
                fields: dict[str, Any]) -> Usage:
    active = (Usage.objects.filter(municipality=municipality, software=software)
              .exclude(status=UsageStatus.RETIRED).first())
    if active is None:
        return usage_create(actor=actor, municipality=municipality, software=software, **fields)
    return usage_update(actor=actor, usage=active, **fields)


def _username_for(email: str) -> str:
    user_model = get_user_model()
    base = email[:140]
    candidate, n = base, 1
    while user_model.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


@transaction.atomic
def municipality_editor_invite(*, actor: Actor, municipality: Municipality,
                               email: str) -> tuple[AbstractBaseUser, bool]:
    """Make the account with this e-mail address an editor of the municipality. Without an
    account, one is created with no usable password; the caller sends the invitation link
    with which the colleague sets it. Returns (user, created)."""
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": ValidationError(
            _("Bitte eine gültige E-Mail-Adresse angeben."), code=errors.EMAIL_REQUIRED)}) from None
    user_model = get_user_model()
    user = user_model.objects.filter(email__iexact=email, is_active=True).order_by("pk").first()
    created = user is None
    if created:
        user = user_model(username=_username_for(email.lower()), email=email)
        user.set_unusable_password()
        user.full_clean()
        user.save()
    elif permissions.is_own_editor(user, municipality):
        raise ValidationError({"email": ValidationError(
            _("%(email)s bearbeitet %(name)s bereits.") % {"email": email, "name": municipality.name},
            code=errors.ALREADY_EDITOR)})
    permissions.grant_municipality_editor(user, municipality)
    return user, created


@transaction.atomic
def municipality_editor_revoke(*, actor: Actor, municipality: Municipality,
                               user: AbstractBaseUser) -> None:
    """Take the editor permission away. Nobody removes themselves by accident: a colleague
    or the moderation does it."""
    if actor is not None and getattr(actor, "pk", None) == user.pk:
        raise ValidationError(_("Sie können sich nicht selbst entfernen."), code=errors.SELF_REVOKE)
    permissions.revoke_municipality_editor(user, municipality)
