"""Limits that keep one client from exhausting the server: query depth, page size, query
cost, and request rates (anonymous clients by IP, signed-in people and tokens by account
or token).

Depth, page size and cost are a graphql-core validation rule, checked before anything runs.
Cost counts the rows a query can return, the way GitHub's API does: every connection
multiplies its page size (`first`/`last`, or 100) by the pages of its parents, so
`municipalities(first: 100) { … usages(first: 20) }` costs 100 + 100·20 = 2,100.
Rates use django-ratelimit on the cache alias "ratelimit" (local memory by default, per
process; set API_RATELIMIT_CACHE_URL to a Redis URL to share counts between workers).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_ratelimit.core import _get_ip, get_usage
from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    TypeInfo,
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
    validate,
)

from api import errors

DEFAULT_PAGE = 100


@dataclass
class _Walk:
    depth: int = 0
    cost: int = 0


class _Limits:
    def __init__(self, context: ValidationContext, variables: dict[str, Any]) -> None:
        self.context = context
        self.variables = variables or {}
        self.fragments = {f.name.value: f for f in context.document.definitions
                          if f.kind == "fragment_definition"}
        self.max_page = settings.API_MAX_PAGE_SIZE

    def check(self, operation: OperationDefinitionNode) -> None:
        root = self.context.schema.get_root_type(operation.operation)
        if root is None:
            return
        walk = _Walk()
        self._selections(operation.selection_set, root, 1, 1, walk, ())
        if walk.depth > settings.API_MAX_DEPTH:
            self.context.report_error(GraphQLError(
                _("Die Abfrage ist zu tief verschachtelt: Tiefe %(actual)d, erlaubt sind "
                  "%(limit)d.") % {"actual": walk.depth, "limit": settings.API_MAX_DEPTH},
                operation, extensions={"code": errors.DEPTH_LIMIT_EXCEEDED,
                                       "limit": settings.API_MAX_DEPTH, "actual": walk.depth}))
        if walk.cost > settings.API_MAX_COST:
            self.context.report_error(GraphQLError(
                _("Die Abfrage ist zu teuer: bis zu %(actual)d Datensätze, erlaubt sind "
                  "%(limit)d. Kleinere Seiten (first) anfordern.")
                % {"actual": walk.cost, "limit": settings.API_MAX_COST},
                operation, extensions={"code": errors.COST_LIMIT_EXCEEDED,
                                       "limit": settings.API_MAX_COST, "actual": walk.cost}))

    def _selections(self, selection_set, parent, depth: int, multiplier: int, walk: _Walk,
                    fragments_seen: tuple[str, ...]) -> None:
        for item in selection_set.selections:
            if isinstance(item, FieldNode):
                self._field(item, parent, depth, multiplier, walk, fragments_seen)
            elif isinstance(item, InlineFragmentNode):
                self._selections(item.selection_set, self._type_of(item, parent), depth,
                                 multiplier, walk, fragments_seen)
            elif isinstance(item, FragmentSpreadNode):
                name = item.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in fragments_seen:
                    self._selections(fragment.selection_set, self._type_of(fragment, parent),
                                     depth, multiplier, walk, (*fragments_seen, name))

    def _type_of(self, node, parent):
        if node.type_condition is None:
            return parent
        return self.context.schema.get_type(node.type_condition.name.value) or parent

    def _field(self, node: FieldNode, parent, depth: int, multiplier: int, walk: _Walk,
               fragments_seen: tuple[str, ...]) -> None:
        name = node.name.value
        if name.startswith("__"):
            return  # introspection (GraphiQL's schema query is deep but cheap)
        walk.depth = max(walk.depth, depth)
        definition = getattr(parent, "fields", {}).get(name)
        if definition is None or node.selection_set is None:
            return
        field_type = get_named_type(definition.type)
        if field_type.name.endswith("Connection"):
            page = self._page_size(node)
            if not _selects_rows(node):
                page = 1  # only totalCount: one count, no rows
            multiplier *= page
            walk.cost += multiplier
        self._selections(node.selection_set, field_type, depth + 1, multiplier, walk,
                         fragments_seen)

    def _page_size(self, node: FieldNode) -> int:
        size = DEFAULT_PAGE
        for argument in node.arguments or ():
            if argument.name.value not in ("first", "last"):
                continue
            value = _value(argument.value, self.variables)
            if isinstance(value, int):
                if value > self.max_page:
                    self.context.report_error(GraphQLError(
                        _("Seitengröße %(actual)d für „%(field)s“ ist zu groß: höchstens "
                          "%(limit)d.") % {"actual": value, "field": node.name.value,
                                          "limit": self.max_page},
                        node, extensions={"code": errors.PAGE_SIZE_LIMIT_EXCEEDED,
                                          "limit": self.max_page, "actual": value}))
                size = min(size, max(value, 0)) if argument.name.value == "first" else size
        return size


def _selects_rows(node: FieldNode) -> bool:
    names = {item.name.value for item in node.selection_set.selections
             if isinstance(item, FieldNode)}
    has_fragments = any(not isinstance(item, FieldNode) for item in node.selection_set.selections)
    return has_fragments or bool(names & {"edges", "pageInfo"})


def _value(node, variables: dict[str, Any]) -> Any:
    if isinstance(node, IntValueNode):
        return int(node.value)
    if isinstance(node, VariableNode):
        return variables.get(node.name.value)
    return None


def limits_rule(variables: dict[str, Any] | None) -> type[ValidationRule]:
    """A validation rule for one request (it needs the request's variables for page sizes)."""

    class QueryLimits(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            if _has_nul(variables):
                context.report_error(_nul_error(None))
            limits = _Limits(context, variables or {})
            for definition in context.document.definitions:
                if isinstance(definition, OperationDefinitionNode):
                    limits.check(definition)

        def enter_string_value(self, node, *_args) -> None:
            if "\x00" in node.value:
                self.report_error(_nul_error(node))

    return QueryLimits


def check(schema, document, variables: dict[str, Any] | None, *,
          literals: bool = True) -> list[GraphQLError]:
    """The limits rule's errors for one request. `literals=False` (for a document known to
    hold no NUL in its string literals) skips the walk over the whole document, ~1 ms of the
    portfolio page: depth, page size and cost are checked in the rule's constructor."""
    if literals:
        return validate(schema, document, [limits_rule(variables)])
    found: list[GraphQLError] = []
    limits_rule(variables)(ValidationContext(schema, document, TypeInfo(schema), found.append))
    return found


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _nul_error(node) -> GraphQLError:
    """NUL characters: PostgreSQL cannot store them in text (a resolver or service would
    fail with an internal error; found by the GraphQL fuzzing), and no name or note needs one."""
    return GraphQLError(_("Zeichenketten dürfen kein NUL-Zeichen (\\u0000) enthalten."), node,
                        extensions={"code": errors.INVALID})


def _rate_key(group: str, request: HttpRequest) -> str:
    token = getattr(request, "api_token", None)
    if token is not None:
        return f"token:{token.pk}"
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    # The library's own client-IP helper (honours RATELIMIT_IP_META_KEY, masks IPv6 /64).
    return f"ip:{_get_ip(request)}"


def _rate(group: str, request: HttpRequest) -> str:
    if request.user.is_authenticated:
        return settings.API_RATE_LIMIT_AUTHENTICATED
    return settings.API_RATE_LIMIT_ANONYMOUS


@dataclass(frozen=True)
class RateRefusal:
    limit: str
    retry_after: int

    def error(self) -> dict[str, Any]:
        return {"message": _("Zu viele Anfragen: höchstens %(limit)s. Bitte in %(seconds)d "
                             "Sekunden erneut versuchen.")
                % {"limit": self.limit, "seconds": self.retry_after},
                "extensions": {"code": errors.RATE_LIMITED, "limit": self.limit,
                               "retryAfter": self.retry_after}}


def check_rate(request: HttpRequest) -> RateRefusal | None:
    """Count this request; a refusal if the client is over its limit."""
    usage = get_usage(request, group="api.graphql", key=_rate_key, rate=_rate, increment=True)
    if usage is None or not usage["should_limit"]:
        return None
    return RateRefusal(limit=_rate("", request), retry_after=max(usage["time_left"], 1))

