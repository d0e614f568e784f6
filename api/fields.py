"""Connection building blocks shared by every API module: `totalCount` on every list,
filter errors as clean GraphQL errors, and enums built from the model choices."""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from typing import Any

import graphene
from django.db.models import TextChoices
from django.utils.translation import gettext as _
from graphene.types.resolver import attr_resolver
from graphene.types.utils import yank_fields_from_attrs
from graphene.utils.str_converters import to_snake_case
from graphene_django.fields import DjangoConnectionField
from graphene_django.filter import DjangoFilterConnectionField
from graphql import GraphQLObjectType, GraphQLSchema
from graphql_relay import cursor_to_offset, from_global_id

from api import errors


class CountableConnection(graphene.relay.Connection):
    """A Relay connection that also tells how many rows match, whatever the page."""

    class Meta:
        abstract = True

    total_count = graphene.Int(required=True, description="Number of matching rows.")

    def resolve_total_count(root, info) -> int:
        return root.length


def choices_enum(name: str, choices: type[TextChoices], description: str) -> type[graphene.Enum]:
    """A GraphQL enum whose names are the choices' names (PRODUCTION) and whose values are
    the stored values ("production"), so both directions need no mapping table."""
    members = [(member.name, member.value) for member in choices]
    return graphene.Enum(name, members, description=description)


def enum_field(enum_type: type[graphene.Enum], attr: str, **kwargs) -> graphene.Field:
    """A field showing a model choice as the GraphQL enum. The resolver answers with the
    enum's member, looked up by the stored value (a str or, on fresh model instances, the
    TextChoices member, which hashes and compares as its value): graphene's enum would
    otherwise call the Python enum by value for every row (a page of 1,000 usages: ~2 ms).
    An unknown value passes through to graphene's serializer and its error, as before."""
    members = {member.value: member for member in enum_type._meta.enum}

    def resolve(root, info):
        value = getattr(root, attr)
        return members.get(value, value)

    resolve.without_info = True  # api.execution may call it with info=None
    return graphene.Field(enum_type, resolver=resolve, **kwargs)


def attribute_resolvers(schema: GraphQLSchema) -> None:
    """Give fields that read an attribute of their object (graphene's `attr_resolver`,
    the hub types' default) a direct resolver. graphene wraps the default resolver in a
    `functools.partial` with the name and the default value, so each of the ~8,000 leaf
    values of a page paid a partial call, a keyword-argument dict and a second call."""
    for named in schema.type_map.values():
        if not isinstance(named, GraphQLObjectType):
            continue
        for field in named.fields.values():
            resolve = field.resolve
            if (isinstance(resolve, functools.partial) and resolve.func is attr_resolver
                    and len(resolve.args) == 2 and not resolve.keywords):
                field.resolve = _attribute(*resolve.args)


def _attribute(name: str, default: Any) -> Callable[..., Any]:
    def resolve(root, info, **args):
        return getattr(root, name, default)

    resolve.reads = (name, default)  # api.execution reads the attribute itself for leaves
    return resolve


def plain(value):
    """Enum input arrives as a Python enum member; services want the stored value."""
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    return value


def check_pagination(args: dict) -> None:
    """Refuse contradictory or negative paging arguments with INVALID_PAGINATION before
    graphene-django's asserts (or graphql-relay's ValueError) turn them into an internal
    error (found by the GraphQL fuzzing, tests/api/test_fuzz.py)."""
    for name in ("first", "last", "offset"):
        value = args.get(name)
        if value is not None and value < 0:
            raise errors.limit_error(errors.INVALID_PAGINATION, _(
                "„%(argument)s“ darf nicht negativ sein.") % {"argument": name})
    if args.get("offset") is not None and args.get("before") is not None:
        raise errors.limit_error(errors.INVALID_PAGINATION, _(
            "„offset“ und „before“ können nicht zusammen verwendet werden."))
    for name in ("after", "before"):  # graphene-django adds None to the offset otherwise
        cursor = args.get(name)
        if cursor is None:
            continue
        position = cursor_to_offset(cursor)
        if position is None or position < 0:
            raise errors.limit_error(errors.INVALID_PAGINATION, _(
                "„%(argument)s“ ist kein gültiger Cursor.") % {"argument": name})


class NodeField(graphene.relay.node.NodeField):
    """`node(id:)` that answers null for an ID that is no global ID of a known type, as it
    does for unknown objects; graphene raised a bare Exception there, reported as an
    internal error (found by the GraphQL fuzzing)."""

    def wrap_resolve(self, parent_resolver):
        resolve = super().wrap_resolve(parent_resolver)

        def resolve_node(root, info, id, **kwargs):
            try:
                type_name, pk = from_global_id(id)
            except (TypeError, ValueError):
                return None
            if not type_name or not pk or info.schema.get_type(type_name) is None:
                return None
            return resolve(root, info, id=id, **kwargs)

        return resolve_node


class PagingChecks:
    """Mixin for connection fields: paging arguments are checked before anything runs."""

    @classmethod
    def connection_resolver(cls, resolver, connection, default_manager, queryset_resolver,
                            max_limit, enforce_first_or_last, root, info, **args):
        check_pagination(args)
        return super().connection_resolver(resolver, connection, default_manager,
                                           queryset_resolver, max_limit,
                                           enforce_first_or_last, root, info, **args)


class ListConnectionField(PagingChecks, DjangoConnectionField):
    """A list on an object (a municipality's usages). Its resolver returns an
    `optimize.Page`: the rows the page needs (prefetched, sliced) and the total count."""

    @classmethod
    def resolve_connection(cls, connection, args, iterable, max_limit=None):
        result = super().resolve_connection(connection, args, iterable, max_limit=max_limit)
        total = getattr(iterable, "total", None)
        if total is not None:
            result.length = total
        return result


class FilterConnectionField(PagingChecks, DjangoFilterConnectionField):
    """A root list with django-filter filters; invalid filter values become one GraphQL error
    with code INVALID_FILTER instead of Django's JSON dump."""

    @classmethod
    def resolve_queryset(cls, connection, iterable, info, args, filtering_args, filterset_class):
        queryset = DjangoConnectionField.resolve_queryset.__func__(
            cls, connection, iterable, info, args)
        data = {}
        for key, value in args.items():
            if key in filtering_args:
                if key == "order_by" and value is not None:
                    value = to_snake_case(value)
                data[key] = plain(value)
        filterset = filterset_class(data=data, queryset=queryset, request=info.context)
        if not filterset.is_valid():
            problems = "; ".join(f"{field}: {' '.join(str(m) for m in messages)}"
                                 for field, messages in filterset.form.errors.items())
            raise errors.limit_error(errors.INVALID_FILTER,
                                     _("Ungültiger Filter: %(problems)s") % {"problems": problems})
        return filterset.qs


def extend_type(object_type: type[graphene.ObjectType], fields: type) -> None:
    """Add the graphene fields and `resolve_*` methods of `fields` to an existing type (the
    GraphQL `extend type`); must run before the schema is built."""
    for name, field in yank_fields_from_attrs(vars(fields), _as=graphene.Field).items():
        object_type._meta.fields[name] = field
    for name, value in vars(fields).items():
        if name.startswith("resolve_"):
            setattr(object_type, name, value)
