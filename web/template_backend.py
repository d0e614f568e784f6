"""Django's template engine, with each page's context freed by reference counting.

Django's `RequestContext` is a reference cycle by construction: every dictionary pushed onto
it (`make_context` pushes the view's context, the constructor a placeholder for the context
processors) is a `ContextDict` that points back to the context. Once a page is rendered,
the context, and with it everything the view handed to the template (the usages of a
municipality, the forms of the editors' table), stays in memory until a full garbage
collection finds the cycle: thousands of objects per request, and collections of 10-30 ms
that made the p95 of the pages (bench/bench_web.py, "GC ms/Aufruf", "Zyklen-Objekte").

`Template.render` empties the context's stack when the page is done, which breaks the
cycle; everything the view created is then freed as soon as the response holds only its
string. Set as the `BACKEND` of `settings.TEMPLATES`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template import TemplateDoesNotExist
from django.template.backends import django as django_backend
from django.template.context import make_context
from django.utils.safestring import SafeString


class DjangoTemplates(django_backend.DjangoTemplates):
    """Django's backend; the templates it returns release their context after rendering."""

    def from_string(self, template_code: str) -> Template:
        return Template(super().from_string(template_code).template, self)

    def get_template(self, template_name: str) -> Template:
        return Template(super().get_template(template_name).template, self)


class Template(django_backend.Template):
    def render(self, context: dict[str, Any] | None = None,
               request: HttpRequest | None = None) -> SafeString:
        # Django's Template.render, plus the `finally`.
        context = make_context(context, request, autoescape=self.backend.engine.autoescape)
        try:
            return self.template.render(context)
        except TemplateDoesNotExist as exc:
            django_backend.reraise(exc, self.backend)
        finally:
            # The ContextDicts point back to the context; without the stack nothing does.
            # Copies (the test client's `response.context`) keep stacks of their own.
            context.dicts.clear()
