"""No N+1: plan `select_related` / `prefetch_related` from the fields a query selects.

Each GraphQL type registers how its relation fields load (`register`): a forward relation is
joined (`Join`), a list is prefetched with a queryset built for the viewer (`Prefetch`, so
visibility rules apply inside the prefetch too), a computed value is annotated (`Annotate`).
Root resolvers call `optimize(queryset, info, "Municipality")`; a page of 100 municipalities
with their usages, software and vendors then runs a fixed number of queries whatever the
page size.

Lists inside objects are connections too. Their prefetch is sliced to the rows the page
needs (plus one when `pageInfo` is asked for, for `hasNextPage`) with Django's
window-function prefetch, so a popular product's thousands of usages are never all loaded;
`totalCount` is a correlated COUNT subquery annotated on the parent row, in the same query.
Relation resolvers call `related()`,
which reads the prefetched rows or, when the object was loaded alone (`node(id:)`), loads them
just for it with the same plan.

Objects reached through a join (a usage's software, its vendor) cannot carry annotations of
the main query; for them a hook on the queryset loads counts for all such objects in one
grouped query right after the rows load. Inside a prefetched list the forward relations are
not joined but loaded once per distinct object by such a hook (`_share_hook`): the 4,000
usages of a portfolio page point to ~800 products, and building a product (and its vendor)
per usage row was a fifth of the request.

Rows load with only the columns the query selects (`QuerySet.only`): a page of 100
municipalities with 4,000 usages otherwise builds 12,000 model instances with every text and
timestamp column converted, half the request's time. A selected field named like a concrete
model field reads that field; computed fields declare what they read (`Columns`); a field the
planner knows nothing about (e.g. one added by `extend_type` without a plan) makes its
object load whole rows, so a resolver never meets a deferred field (which would cost one
query per object).

Other API modules (discovery, knowledge) call `register` for the fields they add.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models import Prefetch as DjangoPrefetch
from django.db.models.functions import Coalesce
from graphene.utils.str_converters import to_snake_case
from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLResolveInfo,
    InlineFragmentNode,
    IntValueNode,
    StringValueNode,
    VariableNode,
)
from graphql_relay import cursor_to_offset

from hub.permissions import User

DEFAULT_PAGE = 100  # graphene_django's RELAY_CONNECTION_MAX_LIMIT: a page when no `first`


@dataclass(frozen=True)
class Join:
    """A forward foreign key: joined into the same query."""

    path: str
    type_name: str


@dataclass(frozen=True)
class Prefetch:
    """A list shown as a connection. `back` is the lookup from the listed model to the
    parent (Usage → Municipality: "municipality"), used to count per parent."""

    path: str
    type_name: str
    queryset: Callable[[User], QuerySet]
    back: str


@dataclass(frozen=True)
class Annotate:
    """A computed value (a count) added to the query as `attr`."""

    attr: str
    expression: Callable[[User], Any]


@dataclass(frozen=True)
class Columns:
    """A computed field (a model property such as `Usage.is_stale`) and the model fields it
    reads, so rows can still be loaded with only the columns the query needs."""

    names: tuple[str, ...]


Plan = Join | Prefetch | Annotate | Columns
_PLANS: dict[str, dict[str, Plan]] = {}


def register(type_name: str, **fields: Plan) -> None:
    """Declare how the relation fields of a GraphQL type load; other modules may add more."""
    _PLANS.setdefault(type_name, {}).update(fields)


def plan_for(type_name: str, name: str) -> Plan:
    return _PLANS[type_name][name]


@dataclass
class Selection:
    """The fields selected below one field (fragments merged, keyed by schema name) and the
    arguments of each occurrence of that field."""

    fields: dict[str, Selection] = field(default_factory=dict)
    args: list[dict[str, Any]] = field(default_factory=list)

    def nodes(self) -> Selection:
        """The selection on the nodes of a connection (`edges { node { … } }`)."""
        return self.fields.get("edges", Selection()).fields.get("node", Selection())

    def rows_needed(self) -> int | None:
        """Rows from the start a connection page needs; None if it needs them all (`last`)."""
        needed = 0
        for args in self.args or [{}]:
            if args.get("last") is not None or args.get("before") is not None:
                return None
            start = args.get("offset") or 0
            if args.get("after") is not None:
                start += cursor_to_offset(args["after"]) + 1
            needed = max(needed, start + (args.get("first") or DEFAULT_PAGE))
        return needed


def selection(info: GraphQLResolveInfo) -> Selection:
    root = Selection()
    for node in info.field_nodes:
        root.args.append(_arguments(node, info.variable_values))
        _merge(root, node.selection_set, info)
    return root


def _merge(target: Selection, selection_set, info: GraphQLResolveInfo) -> None:
    if selection_set is None:
        return
    for item in selection_set.selections:
        if isinstance(item, FieldNode):
            child = target.fields.setdefault(item.name.value, Selection())
            child.args.append(_arguments(item, info.variable_values))
            _merge(child, item.selection_set, info)
        elif isinstance(item, InlineFragmentNode):
            _merge(target, item.selection_set, info)
        elif isinstance(item, FragmentSpreadNode):
            fragment = info.fragments.get(item.name.value)
            if fragment is not None:
                _merge(target, fragment.selection_set, info)


def _arguments(node: FieldNode, variables: dict[str, Any]) -> dict[str, Any]:
    """The paging arguments of a field (literals or variables); others are not needed here."""
    out: dict[str, Any] = {}
    for argument in node.arguments or ():
        value = argument.value
        if isinstance(value, VariableNode):
            out[argument.name.value] = variables.get(value.name.value)
        elif isinstance(value, IntValueNode):
            out[argument.name.value] = int(value.value)
        elif isinstance(value, StringValueNode):
            out[argument.name.value] = value.value
    return out


def cache_attr(path: str) -> str:
    return f"_api_{path.rsplit('__', 1)[-1]}"


def count_attr(path: str) -> str:
    return f"_api_count_{path.rsplit('__', 1)[-1]}"


def _count_subquery(plan: Prefetch, user: User) -> Coalesce:
    rows = (plan.queryset(user).filter(**{plan.back: OuterRef("pk")}).order_by()
            .values(plan.back).annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def _inner(plan: Prefetch, sel: Selection, user: User) -> tuple[QuerySet, int | None] | None:
    """The queryset for a list and how many rows its page needs (None: all, for `last`);
    None if no rows are needed at all (only `totalCount` was asked for). The row beyond the
    page is loaded only when `pageInfo` is asked for: the page of 100 Gemeinden × first 10
    usages built 1,100 usages to show 1,000."""
    if "edges" not in sel.fields and "pageInfo" not in sel.fields:
        return None
    rows = _within_parent(plan.queryset(user), plan.back)
    inner = restrict(apply(rows, sel.nodes(), plan.type_name, user, share=True),
                     sel.nodes(), plan.type_name, also=(plan.back,))
    needed = sel.rows_needed()
    if needed is not None and "pageInfo" in sel.fields:
        needed += 1  # one row beyond the page tells `hasNextPage` without counting
    return inner, needed


def _within_parent(queryset: QuerySet, back: str) -> QuerySet:
    """Ordering terms through the parent (Usage's `municipality__name`) are the same for
    every row of one parent's list: dropped, the order of each list stays the same, and the
    window-function prefetch neither joins the parent table nor sorts by it (on the page of
    100 Gemeinden × first 10 usages: 5.7 instead of 6.8 ms of SQLite time)."""
    if not queryset.model._meta.get_field(back).many_to_one:
        return queryset
    query = queryset.query
    ordering = query.order_by or (queryset.model._meta.ordering if query.default_ordering
                                  else ())
    kept = [term for term in ordering if not (isinstance(term, str)
                                              and term.lstrip("-").startswith(back + "__"))]
    if len(kept) == len(ordering):
        return queryset
    return queryset.order_by(*(kept or ["pk"]))


class _FreshPrefetch(DjangoPrefetch):
    """A Prefetch that hands the relation a clone of its queryset for each use. Django's
    reverse relation stores the first parent row in the queryset it gets (`_add_hints`);
    the Prefetch is shared by every clone of the page's queryset, including the one a
    django-filter FilterSet keeps (itself a reference cycle), so that row and whatever it
    holds would outlive the request as cyclic garbage (tests/api/test_garbage.py)."""

    def get_current_querysets(self, level):
        querysets = super().get_current_querysets(level)
        return None if querysets is None else [queryset._chain() for queryset in querysets]


def _sliced(inner: QuerySet, needed: int | None) -> QuerySet:
    return inner if needed is None else inner[:needed]


class _PlannedQuerySet(QuerySet):
    """A queryset that, once its rows are loaded, runs hooks over them: counts and computed
    values for objects reached through a join (which cannot be annotated in the same query)
    are loaded for all rows at once."""

    _api_hooks: tuple[Callable[[list], None], ...] = ()

    def _clone(self):
        clone = super()._clone()
        clone._api_hooks = self._api_hooks
        return clone

    def _fetch_all(self) -> None:
        fresh = self._result_cache is None
        super()._fetch_all()
        if fresh and self._result_cache:
            for hook in self._api_hooks:
                hook(self._result_cache)


def _with_hook(queryset: QuerySet, hook: Callable[[list], None]) -> QuerySet:
    planned = queryset._chain()
    if not isinstance(planned, _PlannedQuerySet):
        planned.__class__ = type("Planned" + type(queryset).__name__,
                                 (_PlannedQuerySet, type(queryset)), {})
    planned._api_hooks = (*planned._api_hooks, hook)
    return planned


def _joined(rows: list, prefix: str) -> dict[Any, list[models.Model]]:
    """The objects reached from rows through a select_related path, by primary key (each row
    holds its own instance of a shared object)."""
    found: dict[Any, list[models.Model]] = {}
    for row in rows:
        target = row
        for attr in prefix.rstrip("_").split("__"):
            target = getattr(target, attr, None)
            if target is None:
                break
        if target is not None:
            found.setdefault(target.pk, []).append(target)
    return found


def _share_hook(relation: models.ForeignKey, targets: QuerySet) -> Callable[[list], None]:
    """Load the objects the rows point to once each (`pk__in`) and put them in the rows'
    relation caches. Django's own prefetch of a foreign key does the same, but on SQLite
    5.2 spells the lookup as one `id = … OR …` term per object, 3× slower to build."""
    def attach(rows: list) -> None:
        attname = relation.attname
        keys = {key for row in rows if (key := getattr(row, attname)) is not None}
        found = {obj.pk: obj for obj in targets.filter(pk__in=keys)} if keys else {}
        for row in rows:
            relation.set_cached_value(row, found.get(getattr(row, attname)))
    return attach


def _count_hook(plan: Prefetch, prefix: str, user: User) -> Callable[[list], None]:
    def attach(rows: list) -> None:
        targets = _joined(rows, prefix)
        counts = dict(plan.queryset(user).filter(**{f"{plan.back}__in": list(targets)})
                      .order_by().values_list(plan.back).annotate(n=Count("pk")))
        for pk, instances in targets.items():
            for target in instances:
                setattr(target, count_attr(plan.path), counts.get(pk, 0))
    return attach


def _annotate_hook(plan: Annotate, prefix: str, user: User) -> Callable[[list], None]:
    def attach(rows: list) -> None:
        targets = _joined(rows, prefix)
        if not targets:
            return
        model = type(next(iter(targets.values()))[0])
        values = dict(model.objects.filter(pk__in=list(targets))
                      .annotate(**{plan.attr: plan.expression(user)})
                      .values_list("pk", plan.attr))
        for pk, instances in targets.items():
            for target in instances:
                setattr(target, plan.attr, values.get(pk))
    return attach


def apply(queryset: QuerySet, sel: Selection, type_name: str, user: User, prefix: str = "", *,
          share: bool = False) -> QuerySet:
    """Add the joins, prefetches and annotations `sel` needs. `share`: the rows are a list
    inside a page, whose forward relations are prefetched instead of joined, so the
    4,000 usages of a page share ~800 software instances instead of building one per row."""
    plans = _PLANS.get(type_name, {})
    for name, sub in sel.fields.items():
        plan = plans.get(name)
        relation = _forward_key(queryset.model, plan) if share else None
        if relation is not None:
            rows = apply(relation.related_model._base_manager.order_by(), sub, plan.type_name,
                         user)
            queryset = _with_hook(queryset, _share_hook(relation,
                                                        restrict(rows, sub, plan.type_name)))
        elif isinstance(plan, Join):
            path = prefix + plan.path
            queryset = apply(queryset.select_related(path), sub, plan.type_name, user,
                             prefix=path + "__")
        elif isinstance(plan, Prefetch):
            planned = _inner(plan, sub, user)
            if planned is not None:
                queryset = queryset.prefetch_related(_FreshPrefetch(
                    prefix + plan.path, queryset=_sliced(*planned), to_attr=cache_attr(plan.path)))
            if "totalCount" in sub.fields:
                if prefix:
                    queryset = _with_hook(queryset, _count_hook(plan, prefix, user))
                else:
                    queryset = queryset.annotate(
                        **{count_attr(plan.path): _count_subquery(plan, user)})
        elif isinstance(plan, Annotate):
            if prefix:
                queryset = _with_hook(queryset, _annotate_hook(plan, prefix, user))
            else:
                queryset = queryset.annotate(**{plan.attr: plan.expression(user)})
    return queryset


def _forward_key(model: type[models.Model], plan: Plan | None) -> models.ForeignKey | None:
    """The foreign key a Join follows from `model`, if it is one (shared, not joined)."""
    if not isinstance(plan, Join):
        return None
    relation = model._meta.get_field(plan.path)
    return relation if relation.many_to_one else None


def optimize(queryset: QuerySet, info: GraphQLResolveInfo, type_name: str, *,
             connection: bool = True) -> QuerySet:
    """Plan the loading of a root field's rows (a connection, or a single object)."""
    sel = selection(info)
    sel = sel.nodes() if connection else sel
    if _planned(queryset.model, sel, type_name):
        # A selector's select_related serves its other callers (the web pages); the plan
        # joins what this query selects. Dropping the rest spares a page of 100 Gemeinden
        # 200 unneeded instances (state, Kreis). Kept when a field is unknown to the planner.
        queryset = queryset.select_related(None)
    return restrict(apply(queryset, sel, type_name, info.context.user), sel, type_name)


def _planned(model: type[models.Model], sel: Selection, type_name: str) -> bool:
    """Whether the planner knows how every field of `sel` loads (through joins, too)."""
    plans = _PLANS.get(type_name, {})
    for name, sub in sel.fields.items():
        plan = plans.get(name)
        if isinstance(plan, Join):
            target = model._meta.get_field(plan.path).related_model
            if not _planned(target, sub, plan.type_name):
                return False
        elif plan is None and not (name == "id" or name.startswith("__")
                                   or _plain_column(model, to_snake_case(name))):
            return False
    return True


def _plain_column(model: type[models.Model], name: str) -> bool:
    return name in _concrete_fields(model) and not model._meta.get_field(name).is_relation


def restrict(queryset: QuerySet, sel: Selection, type_name: str, *,
             also: tuple[str, ...] = ()) -> QuerySet:
    """`queryset.only(...)` the columns `sel` reads, on the model and every joined model.
    `also`: fields needed besides (the foreign key a prefetch matches its rows by)."""
    paths: list[str] = []
    joined = queryset.query.select_related
    _columns(queryset.model, sel, type_name, "", paths, joined if isinstance(joined, dict) else {},
             also)
    _joined_paths(joined, "", paths)
    return queryset.only(*paths)


def _columns(model: type[models.Model], sel: Selection, type_name: str, prefix: str,
             out: list[str], joined: dict, also: tuple[str, ...] = ()) -> None:
    plans = _PLANS.get(type_name, {})
    concrete = _concrete_fields(model)
    names = {model._meta.pk.name, *(name for name in also if name in concrete)}
    complete = True
    for name, sub in sel.fields.items():
        plan = plans.get(name)
        if isinstance(plan, Join):
            names.update({plan.path} & concrete)
            if plan.path in joined:  # else prefetched: its own queryset is restricted
                _columns(model._meta.get_field(plan.path).related_model, sub, plan.type_name,
                         f"{prefix}{plan.path}__", out, joined[plan.path])
        elif isinstance(plan, Columns):
            names.update(plan.names)
        elif isinstance(plan, Prefetch | Annotate) or name == "id" or name.startswith("__"):
            continue  # matched or counted by primary key
        elif (snake := to_snake_case(name)) in concrete:
            names.add(snake)
        else:
            complete = False
    out.extend(prefix + name for name in (names if complete else concrete))


def _joined_paths(joined: dict | bool, prefix: str, out: list[str]) -> None:
    """Relations the queryset already joins (a selector's select_related) must stay loaded."""
    if isinstance(joined, dict):
        for name, deeper in joined.items():
            out.append(prefix + name)
            _joined_paths(deeper, f"{prefix}{name}__", out)


@functools.cache
def _concrete_fields(model: type[models.Model]) -> frozenset[str]:
    return frozenset(f.name for f in model._meta.concrete_fields)


class Page(list):
    """Rows of a list field, with the total number of rows (which may be more)."""

    total: int


def related(root: models.Model, info: GraphQLResolveInfo, type_name: str, name: str) -> Page:
    """The rows of a list field: prefetched, or loaded now for this one object."""
    plan = plan_for(type_name, name)
    assert isinstance(plan, Prefetch)
    sel = _selection_once(info)
    user = info.context.user
    attr = cache_attr(plan.path)
    rows = getattr(root, attr, None)
    if rows is not None:
        _loaded(info.context).append((root, attr))
    else:
        planned = _inner(plan, sel, user)
        rows = [] if planned is None else list(
            _sliced(planned[0].filter(**{plan.back: root}), planned[1]))
    page = Page(rows)
    total = getattr(root, count_attr(plan.path), None)
    if total is None and "totalCount" in sel.fields:
        total = plan.queryset(user).filter(**{plan.back: root}).count()
    page.total = len(rows) if total is None else total
    return page


def _selection_once(info: GraphQLResolveInfo) -> Selection:
    """`selection(info)`, computed once per request for a field that resolves under many
    parents (a page's 100 `usages` lists share the same field nodes and variables)."""
    memo = getattr(info.context, "_api_selections", None)
    if memo is None:
        memo = info.context._api_selections = {}
    key = id(info.field_nodes)
    cached = memo.get(key)
    # Same nodes and the same execution's variables (a fresh dict per execution); the
    # entry holds both, so neither id can be reused while it is cached.
    if cached is None or cached[0] is not info.field_nodes or cached[1] is not info.variable_values:
        cached = memo[key] = (info.field_nodes, info.variable_values, selection(info))
    return cached[2]


def _loaded(context: Any) -> list[tuple[models.Model, str]]:
    loaded = getattr(context, "_api_loaded", None)
    if loaded is None:
        loaded = context._api_loaded = []
    return loaded


def release(context: Any) -> None:
    """Drop the prefetched lists of the objects `related` read them from (once the answer is
    built). Django links each prefetched row back to its parent, so parent and rows form a
    reference cycle that only the cyclic garbage collector would free (api/execution.py);
    without the parent's list, reference counting frees the page at once."""
    vars(context).pop("_api_selections", None)
    loaded = getattr(context, "_api_loaded", None)
    if not loaded:
        return
    for root, attr in loaded:
        vars(root).pop(attr, None)
    loaded.clear()


def annotated(root: models.Model, info: GraphQLResolveInfo, type_name: str, name: str) -> Any:
    """An annotated value, or computed for this object alone if the query did not annotate it."""
    plan = plan_for(type_name, name)
    assert isinstance(plan, Annotate)
    if hasattr(root, plan.attr):
        return getattr(root, plan.attr)
    return (type(root).objects.filter(pk=root.pk)
            .annotate(**{plan.attr: plan.expression(info.context.user)})
            .values_list(plan.attr, flat=True).first())
