"""Knowledge base pages: the article list with search and facets, the article page (table of
contents, linked entities, history, diff between revisions) and the editor with a live
Markdown preview. Reads through knowledge.selectors / knowledge.search, writes through
knowledge.services; a stale save shows EDIT_CONFLICT instead of overwriting."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from knowledge import markdown, permissions, search, selectors, services
from knowledge.models import Article

FACETS = (("kind", gettext_lazy("Art")), ("tags", gettext_lazy("Schlagwörter")),
          ("category", gettext_lazy("Softwarekategorie")),
          ("status", gettext_lazy("Status")))
PAGE = 20


def _int(value: str | None, default: int) -> int:
    try:
        return max(0, int(value or default))
    except ValueError:
        return default


def article_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    chosen = {name: request.GET.getlist(name) for name, _label in FACETS}
    offset = _int(request.GET.get("ab"), 0)
    result = search.search_articles(
        user=request.user, query=q, kinds=chosen["kind"], tags=chosen["tags"],
        categories=chosen["category"], states=chosen["status"],
        sort=search.RELEVANCE if q else search.DATE, offset=offset, limit=PAGE)
    facets = [(name, label, result.facets.get(name, [])) for name, label in FACETS]
    return render(request, "web/knowledge/article_list.html", {
        "q": q, "result": result, "facets": facets, "chosen": chosen,
        "next_offset": offset + PAGE if offset + PAGE < result.total else None,
        "previous_offset": max(0, offset - PAGE) if offset else None,
        "can_create": permissions.can_create_article(request.user),
    })


def _article(request: HttpRequest, slug: str) -> Article:
    article = selectors.article_get(user=request.user, slug=slug)
    if article is None:
        raise Http404
    return article


def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    article = _article(request, slug)
    user = request.user
    revisions = list(selectors.article_revisions(user=user, article=article))
    diff, old, new = [], None, None
    if revisions and request.GET.get("von") and request.GET.get("bis"):
        old, new = _int(request.GET.get("von"), 0), _int(request.GET.get("bis"), 0)
        diff = selectors.article_diff(user=user, article=article, old=old, new=new)
    return render(request, "web/knowledge/article_detail.html", {
        "article": article, "revisions": revisions, "diff": diff, "old": old, "new": new,
        "can_edit": permissions.can_edit_article(user, article),
        "broken_links": selectors.article_broken_links(user=user, article=article),
    })


@login_required
def article_edit(request: HttpRequest, slug: str) -> HttpResponse:
    article = _article(request, slug)
    if not permissions.can_edit_article(request.user, article):
        raise PermissionDenied
    values = {"title": article.title, "summary": article.summary, "body": article.body,
              "revision": article.revision, "note": ""}
    errors: list[str] = []
    if request.method == "POST":
        # Browsers submit textareas with CRLF; stored text and revision diffs use LF.
        values = {name: request.POST.get(name, "").replace("\r\n", "\n") for name in values}
        try:
            services.article_update(
                actor=request.user, article=article,
                expected_revision=_int(values["revision"], 0), note=values["note"][:200],
                title=values["title"], summary=values["summary"], body=values["body"])
        except services.EditConflict as exc:
            errors = list(exc.messages)
            values["conflict"] = True
            values["current_revision"] = exc.current_revision
        except ValidationError as exc:
            errors = list(exc.messages)
        else:
            messages.success(request, _("Der Artikel wurde gespeichert."))
            return redirect(article.get_absolute_url())
    return render(request, "web/knowledge/article_edit.html", {
        "article": article, "values": values, "errors": errors,
        "preview": markdown.render(values["body"]).html,
    }, status=409 if values.get("conflict") else 200)


@login_required
@require_POST
def article_preview(request: HttpRequest) -> HttpResponse:
    """The rendered (sanitised) HTML of a Markdown text, for the editor's live preview."""
    if not permissions.can_create_article(request.user):
        raise PermissionDenied
    rendered = markdown.render(request.POST.get("body", "")[:200_000])
    return HttpResponse(rendered.html, content_type="text/html; charset=utf-8")
