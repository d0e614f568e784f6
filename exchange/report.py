"""What an import did, row by row, in German and English.

Every import returns a `Report`. Messages are stored as (German source template, params) and
rendered on demand in either language, so the same report can be printed by a command in
German, shown in the English web UI and serialised with both texts for API clients. Codes are
stable UPPER_SNAKE strings (hub/errors.py plus the import-specific ones below).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy

from hub import errors

# Import-specific codes (stable, never renamed).
INVALID_ENCODING = "INVALID_ENCODING"
INVALID_FORMAT = "INVALID_FORMAT"
MISSING_COLUMN = "MISSING_COLUMN"
FILE_TOO_LARGE = "FILE_TOO_LARGE"
TOO_MANY_ROWS = "TOO_MANY_ROWS"
REQUIRED = "REQUIRED"
UNKNOWN_VALUE = "UNKNOWN_VALUE"
UNMATCHED = "UNMATCHED"
AMBIGUOUS = "AMBIGUOUS"
SUSPICIOUS = "SUSPICIOUS"
NOT_EMPTY = "NOT_EMPTY"
INCOMPATIBLE = "INCOMPATIBLE"

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
REJECTED = "rejected"
ACTIONS = (CREATED, UPDATED, UNCHANGED, REJECTED)

ERROR = "error"
WARNING = "warning"

# With a context, so that these short words never change a translation elsewhere in the hub.
_ACTION_LABELS = {
    CREATED: pgettext_lazy("import report", "neu"),
    UPDATED: pgettext_lazy("import report", "geändert"),
    UNCHANGED: pgettext_lazy("import report", "unverändert"),
    REJECTED: pgettext_lazy("import report", "abgelehnt"),
}


class Term(str):
    """A message parameter that is itself translatable (a field or entity name)."""


@dataclass
class Issue:
    """One problem: where (row, field), what (code) and why (message in both languages)."""

    code: str
    template: str
    params: dict[str, Any] = field(default_factory=dict)
    row: int | None = None
    field: str | None = None
    level: str = ERROR

    def text(self, lang: str | None = None) -> str:
        with translation.override(lang or translation.get_language() or "de"):
            message = gettext(self.template)
            if not self.params:
                return message
            params = {k: gettext(v) if isinstance(v, Term) else v for k, v in self.params.items()}
            return message % params

    def where(self, lang: str | None = None) -> str:
        with translation.override(lang or translation.get_language() or "de"):
            parts = []
            if self.row is not None:
                parts.append(gettext("Zeile %(row)s") % {"row": self.row})
            if self.field:
                parts.append(gettext("Feld „%(field)s“") % {"field": self.field})
            return ", ".join(parts)

    def render(self, lang: str | None = None) -> str:
        where = self.where(lang)
        return f"{where}: {self.text(lang)} [{self.code}]" if where else f"{self.text(lang)} [{self.code}]"

    def as_dict(self) -> dict[str, Any]:
        return {"level": self.level, "code": self.code, "row": self.row, "field": self.field,
                "message_de": self.text("de"), "message_en": self.text("en")}


@dataclass
class RowResult:
    """The outcome of one input row (or one file, one record)."""

    row: int | None
    key: str
    action: str
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "key": self.key, "action": self.action,
                "changes": {k: [_plain(a), _plain(b)] for k, (a, b) in self.changes.items()},
                "issues": [i.as_dict() for i in self.issues]}


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return str(value)


@dataclass
class Report:
    """Summary plus per-row outcomes. `keep_rows=False` keeps only counts plus the changed,
    rejected and flagged rows, for imports of hundreds of thousands of rows."""

    source: str
    dry_run: bool = False
    applied: bool = False
    keep_rows: bool = True
    rows: list[RowResult] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)

    def add_row(self, result: RowResult) -> RowResult:
        self.counts[result.action] += 1
        if self.keep_rows or result.action in (UPDATED, REJECTED) or result.issues:
            self.rows.append(result)
        return result

    def count(self, action: str, n: int = 1) -> None:
        self.counts[action] += n

    def error(self, code: str, template: str, *, row: int | None = None,
              field: str | None = None, **params: Any) -> Issue:
        issue = Issue(code, template, params, row, field, ERROR)
        self.issues.append(issue)
        return issue

    def warn(self, code: str, template: str, *, row: int | None = None,
             field: str | None = None, **params: Any) -> Issue:
        issue = Issue(code, template, params, row, field, WARNING)
        self.issues.append(issue)
        return issue

    def all_issues(self) -> Iterator[Issue]:
        yield from self.issues
        for row in self.rows:
            yield from row.issues

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.all_issues() if i.level == ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.all_issues() if i.level == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self, lang: str | None = None) -> str:
        """One line: "neu 3, geändert 1, unverändert 5, abgelehnt 0"."""
        with translation.override(lang or translation.get_language() or "de"):
            parts = [f"{_ACTION_LABELS[a]} {self.counts.get(a, 0)}" for a in ACTIONS]
            line = f"{self.source}: " + ", ".join(parts)
            if self.dry_run:
                line += " – " + gettext("Probelauf, nichts gespeichert")
            elif not self.applied:
                line += " – " + gettext("nichts gespeichert")
            return line

    def render(self, lang: str | None = None, limit: int = 200) -> str:
        """Summary plus the issues, for the command line."""
        lines = [self.summary(lang)]
        for n, issue in enumerate(self.all_issues()):
            if n >= limit:
                lines.append(f"… ({len(list(self.all_issues())) - limit} more)")
                break
            marker = "!" if issue.level == ERROR else "~"
            lines.append(f"  {marker} {issue.render(lang)}")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "dry_run": self.dry_run, "applied": self.applied,
                "counts": {a: self.counts.get(a, 0) for a in ACTIONS},
                "issues": [i.as_dict() for i in self.issues],
                "rows": [r.as_dict() for r in self.rows],
                "summary_de": self.summary("de"), "summary_en": self.summary("en")}


def issues_from_validation(exc: ValidationError, *, row: int | None = None,
                           prefix: str = "") -> list[Issue]:
    """Model validation errors (full_clean) as issues, keeping their codes and fields."""
    found: list[Issue] = []
    if hasattr(exc, "error_dict"):
        for name, items in exc.error_dict.items():
            for item in items:
                found.append(_issue_from(item, row, name if name != "__all__" else None, prefix))
    else:
        for item in exc.error_list:
            found.append(_issue_from(item, row, None, prefix))
    return found


def _issue_from(error: ValidationError, row: int | None, name: str | None, prefix: str) -> Issue:
    params = error.params or {}
    code = error.code or errors.INVALID
    return Issue(code, msgid(error.message), dict(params), row, f"{prefix}{name}" if name else None)


def msgid(message: Any) -> str:
    """The untranslated source text of a (lazy) message, so it can be rendered in any language."""
    if isinstance(message, Promise):
        args = getattr(message, "_args", None) or getattr(message, "_proxy____args", None)
        if args and isinstance(args[0], str):
            return args[0]
        with translation.override("de"):
            return str(message)
    return str(message)


def progress(iterable: Any, *, total: int | None = None, desc: str = "",
             enabled: bool = False) -> Any:
    """A tqdm bar on stderr for long imports; a no-op in tests and when not asked for."""
    if not enabled:
        return iterable
    import sys

    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, unit=" rows", file=sys.stderr,
                dynamic_ncols=True, mininterval=0.5)
