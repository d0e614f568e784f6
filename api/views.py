"""The /graphql endpoint: graphene-django's view plus token authentication, CSRF for
browser sessions, rate limits, query limits, and errors with stable codes."""

from __future__ import annotations

import logging
from typing import Any

from csp.decorators import csp_update
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.translation import gettext as _
from graphene_django.views import GraphQLView, HttpError
from graphql import ExecutionResult, GraphQLError, OperationType, get_operation_ast

from api import auth, errors, execution, limits, stack

logger = logging.getLogger(__name__)


def _error_response(status: int, message: str, code: str, **extensions: Any) -> JsonResponse:
    return JsonResponse({"errors": [{"message": message,
                                     "extensions": {"code": code, **extensions}}]},
                        status=status)


class ApiView(GraphQLView):
    # Our copy of graphene-django's page: assets from our own static files (api/graphiql.py).
    graphiql_template = "api/graphiql.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            token = auth.authenticate(request)
        except auth.TokenError as exc:
            response = _error_response(401, exc.message, exc.code)
            response["WWW-Authenticate"] = 'Bearer realm="kommunalhub"'
            return response
        if token is None and request.method == "POST" and request.user.is_authenticated:
            # A browser session: the same CSRF protection as every other form of the site.
            refused = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
            if refused is not None:
                return _error_response(403, _("CSRF-Prüfung fehlgeschlagen: Anfragen mit "
                                              "Sitzung brauchen das CSRF-Token "
                                              "(X-CSRFToken)."), errors.PERMISSION_DENIED)
        refusal = limits.check_rate(request)
        if refusal is not None:
            response = JsonResponse({"errors": [refusal.error()]}, status=429)
            response["Retry-After"] = str(refusal.retry_after)
            return response
        return super().dispatch(request, *args, **kwargs)

    def get_middleware(self, request: HttpRequest):
        # No graphene middleware: an empty list would still wrap every field's resolver.
        return self.middleware or None

    @classmethod
    def can_display_graphiql(cls, request: HttpRequest, data) -> bool:
        """GraphiQL for signed-in people, and for everyone in DEBUG."""
        allowed = settings.DEBUG or request.user.is_authenticated
        return allowed and super().can_display_graphiql(request, data)

    def render_graphiql(self, request: HttpRequest, **data) -> HttpResponse:
        """The page under the site's Content-Security-Policy, widened by one thing only:
        GraphiQL's stylesheet embeds its fonts as data: URLs."""
        return csp_update({"font-src": ["data:"]})(super().render_graphiql)(request, **data)

    def execute_graphql_request(self, request, data, query, variables, operation_name,
                                show_graphiql=False):
        """graphene-django's steps (GET only for queries), with parse and standard validation
        cached by query text and the page's model instances released afterwards
        (api/execution.py); the limits rule runs for every request with its variables."""
        if not query:
            return super().execute_graphql_request(request, data, query, variables,
                                                   operation_name, show_graphiql)
        schema = self.schema.graphql_schema
        try:
            prepared = execution.checked(schema, query)
        except Exception as error:  # a syntax error, or a query that is not text
            return ExecutionResult(errors=[error])
        document = prepared.document
        operation = get_operation_ast(document, operation_name)
        if (request.method.lower() == "get" and operation is not None
                and operation.operation != OperationType.QUERY):
            if show_graphiql:
                return None
            raise HttpError(HttpResponseNotAllowed(
                ["POST"], f"Can only perform a {operation.operation.value} operation from a "
                          "POST request."))
        problems = [*prepared.errors, *execution.limit_errors(schema, prepared, variables)]
        if problems:
            return ExecutionResult(data=None, errors=problems)
        try:
            return stack.call(execution.run, schema, document,
                              context=self.get_context(request), variables=variables,
                              operation_name=operation_name, root=self.get_root_value(request),
                              middleware=self.get_middleware(request))
        except Exception as error:  # as graphene-django: reported as an error, never a 500
            return ExecutionResult(errors=[error])

    @staticmethod
    def format_error(error: Exception) -> dict[str, Any]:
        """Every error carries `extensions.code`; unexpected exceptions are logged and
        reported as INTERNAL_ERROR without their text (which may contain internals)."""
        if not isinstance(error, GraphQLError):
            return {"message": str(getattr(error, "message", error)),
                    "extensions": {"code": errors.GRAPHQL_VALIDATION_FAILED}}
        original = error.original_error
        if original is not None and not isinstance(original, GraphQLError):
            logger.error("GraphQL resolver failed at %s", error.path, exc_info=original)
            return {"message": _("Interner Fehler. Er wurde protokolliert."),
                    "path": error.path, "extensions": {"code": errors.INTERNAL_ERROR}}
        formatted = error.formatted
        extensions = dict(formatted.get("extensions") or {})
        extensions.setdefault("code", errors.GRAPHQL_VALIDATION_FAILED
                              if error.path is None else errors.INTERNAL_ERROR)
        formatted["extensions"] = extensions
        return formatted
