"""The base every mutation of the API uses, whichever domain it belongs to: Relay style with
one `input`, write access checked first (signed-in person or read-write token), one
transaction, refusals as top-level PERMISSION_DENIED errors, invalid input as
`errors { field message code }` in the payload.

A domain module subclasses `ApiMutation` and implements `perform(info, user, **input)`:
resolve the objects (api.keys), ask hub.permissions (`require(...)`), call one service,
return `cls.done(object=...)`.
"""

from __future__ import annotations

from typing import Any

import graphene
from django.core.exceptions import ValidationError
from django.db import models as dj
from django.db import transaction
from django.utils.translation import gettext as _
from graphene import relay

from api import auth, keys
from api.errors import FieldError, InputError, from_validation_error, permission_denied
from api.fields import plain


def require_write(info) -> None:
    """Writing needs a signed-in person or a read-write token."""
    request = info.context
    if not request.user.is_authenticated:
        raise permission_denied(_("Zum Ändern bitte anmelden oder einen API-Token senden."))
    if not auth.may_write(request):
        raise permission_denied(_("Dieser API-Token darf nur lesen."))


def require(allowed: bool) -> None:
    if not allowed:
        raise permission_denied()


def target(type_name: str, value: str, field: str = "id") -> dj.Model:
    return keys.resolve(type_name, value, field)


def values(model: type[dj.Model], data: dict[str, Any]) -> dict[str, Any]:
    """Input values as the services want them: enums as stored values, null text as ""."""
    out = {}
    for key, value in data.items():
        value = plain(value)
        if value is None:
            field = model._meta.get_field(key)
            if isinstance(field, dj.CharField | dj.TextField) and not field.null:
                value = ""
        out[key] = value
    return out


class ApiMutation(relay.ClientIDMutation):
    """Base of every mutation: write access, one transaction, errors mapped to FieldErrors."""

    class Meta:
        abstract = True

    errors = graphene.List(graphene.NonNull(FieldError), required=True,
                           description="Empty on success.")

    @classmethod
    def mutate_and_get_payload(cls, root, info, **data):
        data.pop("client_mutation_id", None)
        require_write(info)
        try:
            with transaction.atomic():
                return cls.perform(info, info.context.user, **data)
        except InputError as exc:
            return cls(errors=exc.errors)
        except ValidationError as exc:
            return cls(errors=from_validation_error(exc))

    @classmethod
    def perform(cls, info, user, **data):
        raise NotImplementedError

    @classmethod
    def done(cls, **objects):
        return cls(errors=[], **objects)
