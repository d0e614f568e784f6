"""Run one GraphQL request: parse and validate (cached by query text), the per-request limits,
execution, and the release of the page's model instances.

Why a module of its own: the view (`api.views`) and the benchmark (`bench/api_worker.py`)
run requests through exactly this code, so what `make bench` times is what `/graphql` does.

Two costs of a request that the answer does not need:

- Parsing and validating the same query text again: tools send the same few queries over and
  over; graphql-core's 26 standard rules cost 2-4 ms on a portfolio page's query. Their
  outcome depends only on the query text and the schema, so it is cached (LRU, texts up to
  `MAX_CACHED_QUERY` characters). The limits rule (`api.limits`) depends on the request's
  variables and the current settings and speaks the request's language: it runs on every
  request, never cached.
- Cyclic garbage: Django's prefetch links every row of a prefetched list back to its parent
  (usage → municipality) while the parent holds the list (municipality → usages), so a
  page's thousands of model instances form one reference cycle that only the cyclic garbage
  collector frees: a full collection every few requests, 18-33 ms on the portfolio page,
  which made the p95. `api.optimize.related` notes the objects whose prefetched lists it
  read; after execution `release` drops those lists, the cycle is gone, and reference
  counting frees the page as soon as the answer is built.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from graphene_django.constants import MUTATION_ERRORS_FLAG
from graphene_django.settings import graphene_settings
from graphql import (
    DocumentNode,
    ExecutionContext,
    ExecutionResult,
    FieldNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    OperationType,
    Undefined,
    Visitor,
    execute,
    get_operation_ast,
    is_leaf_type,
    is_non_null_type,
    parse,
    specified_rules,
    validate,
    visit,
)
from graphql.execution.execute import assume_not_awaitable, get_field_def
from graphql.pyutils import Path

from api import limits, optimize

MAX_CACHED_QUERY = 20_000  # characters; longer texts are parsed and validated every time
CACHE_SIZE = 256  # distinct query texts per process


class SyncExecutionContext(ExecutionContext):
    """graphql-core's execution for resolvers that are all synchronous (the Django ORM),
    with a shorter way for most leaf fields.

    graphene-django's view calls the async-capable `graphql.execute`, which asks
    `inspect.isawaitable`-like questions of every value a field returns: 118,000 times for a
    page of 100 portfolios, a tenth of the request. `graphql_sync` assumes no awaitables
    the same way; this keeps the view's own parse/validate/execute flow.

    Leaf fields: for each field graphql-core builds a path entry, a `GraphQLResolveInfo`
    and the argument dict, calls the resolver and completes the value through
    `complete_value`; ~2.5 µs per field, and a portfolio page has ~32,000 fields, most of
    them scalars and enums read straight off a model instance. `execute_fields` plans each
    selection once per request (`_plan`) and reads those leaves directly: the attribute
    (resolvers marked `reads` by `api.fields.attribute_resolvers`) or the resolver called
    with info=None (marked `without_info`), then the type's `serialize`. Anything the
    short way would answer differently goes graphql-core's way, from the start: a null in
    a non-null field, a value that is an exception or Undefined, a serializer answering
    null, and any exception while reading or serializing. The field is then executed again
    by `execute_field`, so its value or its error (message, path, locations) is exactly
    graphql-core's; the reads are attribute reads of model fields, which give the same
    answer twice. Not planned as leaves (always graphql-core's way): fields with
    arguments, directives, resolvers that may use info, introspection, and every field
    when graphene middleware is configured."""

    is_awaitable = staticmethod(assume_not_awaitable)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # (parent type, id of the collected fields) -> (those fields, their plan); holding
        # the fields keeps their id from being reused during the request
        self._plans: dict[tuple[GraphQLObjectType, int], tuple[dict, list[tuple]]] = {}

    def execute_fields(self, parent_type: GraphQLObjectType, source_value: Any,
                       path: Path | None, fields: dict[str, list[FieldNode]]) -> dict[str, Any]:
        planned = self._plans.get((parent_type, id(fields)))
        if planned is None or planned[0] is not fields:
            planned = self._plans[parent_type, id(fields)] = (fields, self._plan(parent_type,
                                                                                 fields))
        results = {}
        for response_name, field_nodes, leaf in planned[1]:
            if leaf is not None:
                attribute, default, resolve, serialize, nullable = leaf
                try:
                    value = (getattr(source_value, attribute, default) if resolve is None
                             else resolve(source_value, None))
                    if value is None:
                        if nullable:
                            results[response_name] = None
                            continue
                    elif not isinstance(value, Exception):  # Undefined is a ValueError
                        serialized = serialize(value)
                        if serialized is not None and serialized is not Undefined:
                            results[response_name] = serialized
                            continue
                except Exception:  # noqa: BLE001 - graphql-core's way below builds the error
                    pass
            result = self.execute_field(parent_type, source_value, field_nodes,
                                        Path(path, response_name, parent_type.name))
            if result is not Undefined:
                results[response_name] = result
        return results

    def _plan(self, parent_type: GraphQLObjectType,
              fields: dict[str, list[FieldNode]]) -> list[tuple]:
        """(response name, field nodes, leaf) per field; leaf is None for graphql-core's
        way, else (attribute, default, resolver, serialize, nullable)."""
        return [(name, nodes, self._leaf(parent_type, nodes)) for name, nodes in fields.items()]

    def _leaf(self, parent_type: GraphQLObjectType, nodes: list[FieldNode]) -> tuple | None:
        field = get_field_def(self.schema, parent_type, nodes[0])
        if (field is None or self.middleware_manager is not None or field.args
                or any(node.arguments or node.directives for node in nodes)):
            return None
        nullable = not is_non_null_type(field.type)
        named = field.type if nullable else field.type.of_type
        if not is_leaf_type(named):
            return None
        reads = getattr(field.resolve, "reads", None)
        if reads is not None:
            return (*reads, None, named.serialize, nullable)
        if getattr(field.resolve, "without_info", False):
            return None, None, field.resolve, named.serialize, nullable
        return None


@dataclass(frozen=True)
class Checked:
    """A parsed query, the errors of graphql-core's standard rules, and whether a string
    literal holds a NUL (then the limits rule must walk the document to point at it)."""

    document: DocumentNode
    errors: tuple[GraphQLError, ...]
    nul_literal: bool


def _checked(schema: GraphQLSchema, query: str) -> Checked:
    """Raises GraphQLSyntaxError for text that does not parse (not cached)."""
    document = parse(query)
    return Checked(document, tuple(validate(schema, document, specified_rules,
                                            graphene_settings.MAX_VALIDATION_ERRORS)),
                   _has_nul_literal(document))


def _has_nul_literal(document: DocumentNode) -> bool:
    found: list[bool] = []

    class Literals(Visitor):
        def enter_string_value(self, node, *_args) -> None:
            if "\x00" in node.value:
                found.append(True)

    visit(document, Literals())
    return bool(found)


_cached_checked = functools.lru_cache(maxsize=CACHE_SIZE)(_checked)


def checked(schema: GraphQLSchema, query: str) -> Checked:
    """`_checked`, from the cache for query texts of ordinary length. The document is shared
    between requests: graphql-core never changes a document it validates or executes."""
    if len(query) > MAX_CACHED_QUERY:
        return _checked(schema, query)
    return _cached_checked(schema, query)


def limit_errors(schema: GraphQLSchema, query: Checked,
                 variables: dict[str, Any] | None) -> list[GraphQLError]:
    """Depth, page size, cost and NUL checks for this request's variables (every request)."""
    return limits.check(schema, query.document, variables, literals=query.nul_literal)


def run(schema: GraphQLSchema, document: DocumentNode, *, context: Any,
        variables: dict[str, Any] | None = None, operation_name: str | None = None,
        root: Any = None, middleware: Any = None) -> ExecutionResult:
    """Execute a checked document (mutations atomically if graphene's setting asks so), then
    release the model instances the page loaded (see the module docstring)."""
    options = {"root_value": root, "context_value": context, "variable_values": variables,
               "operation_name": operation_name, "middleware": middleware,
               "execution_context_class": SyncExecutionContext}
    operation = get_operation_ast(document, operation_name)
    try:
        if operation is not None and operation.operation == OperationType.MUTATION and (
                graphene_settings.ATOMIC_MUTATIONS is True
                or connection.settings_dict.get("ATOMIC_MUTATIONS", False) is True):
            with transaction.atomic():
                result = execute(schema, document, **options)
                if getattr(context, MUTATION_ERRORS_FLAG, False) is True:
                    transaction.set_rollback(True)
            return result
        return execute(schema, document, **options)
    finally:
        optimize.release(context)


def run_query(schema: GraphQLSchema, query: str, *, context: Any,
              variables: dict[str, Any] | None = None,
              operation_name: str | None = None) -> ExecutionResult:
    """Parse, validate, check the limits and execute one query text (the benchmark's way in;
    the view adds its HTTP rules around the same steps)."""
    try:
        prepared = checked(schema, query)
    except (GraphQLError, TypeError) as error:  # a syntax error, or a query that is not text
        return ExecutionResult(data=None, errors=[error])
    errors = [*prepared.errors, *limit_errors(schema, prepared, variables)]
    if errors:
        return ExecutionResult(data=None, errors=errors)
    return run(schema, prepared.document, context=context, variables=variables,
               operation_name=operation_name)
