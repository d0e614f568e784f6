"""Related objects in mutation input are given by natural key (AGS, slug, LeiKa key, OZG id)
or by Relay global ID; this module turns either into a model instance, or a FieldError with
code NOT_FOUND naming the input field."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models as dj
from django.db.models import Q
from django.utils.translation import gettext as _
from graphql_relay import from_global_id

from api.errors import NOT_FOUND, FieldError, InputError, field_error
from hub import models


@dataclass(frozen=True)
class Key:
    model: type[dj.Model]
    natural: tuple[str, ...]  # model fields tried in order, exact match


KEYS: dict[str, Key] = {
    "Municipality": Key(models.Municipality, ("ags",)),
    "Software": Key(models.Software, ("slug",)),
    "Organization": Key(models.Organization, ("slug",)),
    "SoftwareCategory": Key(models.SoftwareCategory, ("slug",)),
    "Service": Key(models.Service, ("leika_key", "ozg_id")),
    "Collaboration": Key(models.Collaboration, ("slug",)),
    "Usage": Key(models.Usage, ()),
    "Contact": Key(models.Contact, ()),
    "Membership": Key(models.Membership, ()),
}


def pk_from_global_id(value: str, type_name: str) -> str | None:
    try:
        kind, pk = from_global_id(value)
    except (TypeError, ValueError):
        return None
    return pk if kind == type_name and pk else None


def find(type_name: str, value: str) -> dj.Model | None:
    key = KEYS[type_name]
    pk = pk_from_global_id(value, type_name)
    if pk is not None:
        return key.model.objects.filter(pk=pk).first() if pk.isdigit() else None
    if not key.natural:
        return None
    query = Q()
    for name in key.natural:
        query |= Q(**{name: value})
    if type_name == "Service":
        query = Q(leika_key=value) | Q(ozg_id=value, kind=models.ServiceKind.OZG)
    return key.model.objects.filter(query).first()


def not_found(field: str, type_name: str, value: str) -> FieldError:
    return field_error(field, _("„%(value)s“ wurde nicht gefunden (%(kind)s).")
                       % {"value": value, "kind": type_name}, NOT_FOUND)


def resolve(type_name: str, value: str, field: str) -> dj.Model:
    found = find(type_name, value)
    if found is None:
        raise InputError([not_found(field, type_name, value)])
    return found


class Resolver:
    """Resolves several references, collecting every unknown one before failing, so a tool
    learns all its mistakes from one response."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.errors: list[FieldError] = []

    def one(self, type_name: str, value: str | None, field: str) -> dj.Model | None:
        if value is None:
            return None
        found = find(type_name, value)
        if found is None:
            self.errors.append(not_found(self.prefix + field, type_name, value))
        return found

    def many(self, type_name: str, values: list[str] | None, field: str) -> list[dj.Model] | None:
        if values is None:
            return None
        found = []
        for index, value in enumerate(values):
            item = find(type_name, value)
            if item is None:
                self.errors.append(not_found(f"{self.prefix}{field}.{index}", type_name, value))
            else:
                found.append(item)
        return found

    def check(self) -> None:
        if self.errors:
            raise InputError(self.errors)
