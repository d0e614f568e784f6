"""The base every mutation of the API uses, whichever domain it belongs to: Relay style with
one `input`, write access checked first (signed-in person or read-write token), one
transaction, refusals as top-level PERMISSION_DENIED errors, invalid input as
`errors { field message code }` in the payload.

A domain module subclasses `ApiMutation` and implements `perform(info, user, **input)`:
resolve the objects (api.keys), ask hub.permissions (`require(...)`), call one service,
return `cls.done(object=...)`. The plain create, update and delete mutations only name their
object, permission check and service on `CreateMutation`, `UpdateMutation` or
`DeleteMutation`, which do exactly those steps.
"""

from __future__ import annotations

from collections.abc import Callable
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


# Reference inputs of a mutation: input key -> (api.keys type name, field named in errors, many).
Refs = dict[str, tuple[str, str, bool]]


def resolve_refs(model: type[dj.Model], refs: Refs, data: dict[str, Any],
                 prefix: str = "") -> dict[str, Any]:
    """Input values as service fields, with the references (natural keys or global IDs)
    resolved to objects; every unknown reference is reported at once."""
    resolver = keys.Resolver(prefix)
    resolved = {}
    for key, (type_name, field, many) in refs.items():
        if key in data:
            resolve = resolver.many if many else resolver.one
            resolved[key] = resolve(type_name, data.pop(key), field)
    resolver.check()
    return values(model, data) | resolved


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


class CreateMutation(ApiMutation):
    """Base of the mutations that add one object of `node` (an api.keys type name): check
    `allowed(user)`, turn the input into service fields (`convert`, resolving `refs`), check
    the fields (`check`), call `write(actor=user, **fields)`; the payload field is `node` in
    lower case."""

    class Meta:
        abstract = True

    node: str
    allowed: Callable[[Any], bool]
    write: Callable[..., dj.Model]
    refs: Refs = {}

    @classmethod
    def convert(cls, data: dict[str, Any]) -> dict[str, Any]:
        return resolve_refs(keys.KEYS[cls.node].model, cls.refs, data)

    @classmethod
    def check(cls, user, current: dj.Model | None, fields: dict[str, Any]) -> bool:
        """Checks that depend on the new values (moving a product to another vendor, …)."""
        return True

    @classmethod
    def perform(cls, info, user, **data):
        require(cls.allowed(user))
        fields = cls.convert(data)
        require(cls.check(user, None, fields))
        return cls.done(**{cls.node.lower(): cls.write(actor=user, **fields)})


class UpdateMutation(CreateMutation):
    """Base of the mutations that change one object: resolve `input.id`, check
    `allowed(user, object)`, convert and check the fields, call
    `write(actor=user, <node>=object, **fields)`."""

    class Meta:
        abstract = True

    allowed: Callable[[Any, Any], bool]

    @classmethod
    def perform(cls, info, user, id, **data):
        name = cls.node.lower()
        current = target(cls.node, id)
        require(cls.allowed(user, current))
        fields = cls.convert(data)
        require(cls.check(user, current, fields))
        return cls.done(**{name: cls.write(actor=user, **{name: current}, **fields)})


class DeleteMutation(ApiMutation):
    """Base of the mutations that delete one object: resolve `input.id`, check
    `allowed(user, object)`, call `write(actor=user, <node>=object)`, return its ID."""

    class Meta:
        abstract = True

    node: str
    allowed: Callable[[Any, Any], bool]
    write: Callable[..., None]

    deleted_id = graphene.ID()

    @classmethod
    def perform(cls, info, user, id):
        current = target(cls.node, id)
        require(cls.allowed(user, current))
        cls.write(actor=user, **{cls.node.lower(): current})
        return cls.done(deleted_id=id)
