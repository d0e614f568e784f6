"""The API's error shapes: one `FieldError` type in every mutation payload for invalid input,
and top-level GraphQL errors (with `extensions.code`) for refusals and limits.

Codes are stable UPPER_SNAKE strings; tools match on them, people read the message, which is
in the request's language (Accept-Language or the language cookie; German by default).
The domain's codes (INVALID_AGS, DUPLICATE_ACTIVE_USAGE, …) come from hub.errors.
"""

from __future__ import annotations

from collections.abc import Iterable

import graphene
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _
from graphene.utils.str_converters import to_camel_case
from graphql import GraphQLError

from hub import errors as hub_errors

PERMISSION_DENIED = hub_errors.PERMISSION_DENIED
NOT_FOUND = hub_errors.NOT_FOUND
INVALID = hub_errors.INVALID
REQUIRED = "REQUIRED"
INVALID_TOKEN = "INVALID_TOKEN"
TOKEN_EXPIRED = "TOKEN_EXPIRED"
RATE_LIMITED = "RATE_LIMITED"
DEPTH_LIMIT_EXCEEDED = "DEPTH_LIMIT_EXCEEDED"
COST_LIMIT_EXCEEDED = "COST_LIMIT_EXCEEDED"
PAGE_SIZE_LIMIT_EXCEEDED = "PAGE_SIZE_LIMIT_EXCEEDED"
INVALID_FILTER = "INVALID_FILTER"
INVALID_PAGINATION = "INVALID_PAGINATION"
GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
INTERNAL_ERROR = "INTERNAL_ERROR"


class FieldError(graphene.ObjectType):
    """A problem with one input field (or, with `field` null, with the input as a whole)."""

    field = graphene.String(description="Path of the input field in camelCase, e.g. "
                                        "`until` or `usages.2.status`; null for the whole input.")
    message = graphene.String(required=True, description="Human-readable, in the request's language.")
    code = graphene.String(required=True, description="Stable UPPER_SNAKE code, e.g. "
                                                      "DUPLICATE_ACTIVE_USAGE.")


class InputError(Exception):
    """Raised by mutations for input that cannot be resolved (unknown AGS, slug, …)."""

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(e.message for e in self.errors))


def field_error(field: str | None, message: str, code: str) -> FieldError:
    return FieldError(field=field, message=str(message), code=code)


def camel_path(path: str) -> str | None:
    if path == NON_FIELD_ERRORS:
        return None
    return ".".join(to_camel_case(part) for part in path.split("."))


def from_validation_error(exc: ValidationError, prefix: str = "") -> list[FieldError]:
    """Map a model/service ValidationError to FieldErrors, keeping codes and translating
    messages now, in the request's language."""
    out: list[FieldError] = []
    if hasattr(exc, "error_dict"):
        for field, problems in exc.error_dict.items():
            path = camel_path(field)
            full = ".".join(p for p in (prefix, path) if p) or None
            out.extend(_leaves(ValidationError(problems), full))
    else:
        out.extend(_leaves(exc, prefix or None))
    return out


def _leaves(exc: ValidationError, field: str | None) -> list[FieldError]:
    problems = exc.error_list
    if any(p.code for p in problems):
        # A database constraint without its own code repeats, in technical words, what
        # clean() already said with a code ("Constraint … is violated."): drop the echo.
        problems = [p for p in problems if p.code]
    result = []
    for problem in problems:
        message = str(problem.message)
        if problem.params:
            message = message % problem.params
        result.append(field_error(field, message, _code(problem.code)))
    return result


# Django's built-in validation codes, mapped onto the hub's where one fits.
_DJANGO_CODES = {
    "unique": hub_errors.DUPLICATE,
    "unique_together": hub_errors.DUPLICATE,
    "max_value": hub_errors.OUT_OF_RANGE,
    "min_value": hub_errors.OUT_OF_RANGE,
    "blank": REQUIRED,
    "null": REQUIRED,
    "required": REQUIRED,
}


def _code(code: str | None) -> str:
    """Django's own validators use lower-case codes ("invalid", "max_length"); the API
    promises UPPER_SNAKE."""
    return _DJANGO_CODES.get(code or "", (code or INVALID).upper())


def permission_denied(message: str | None = None) -> GraphQLError:
    return GraphQLError(message or _("Dafür fehlt die Berechtigung."),
                        extensions={"code": PERMISSION_DENIED})


def limit_error(code: str, message: str, **details: object) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, **details})
