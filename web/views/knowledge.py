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
from knowledge.models import Article, ArticleKind, ArticleStatus, ArticleVisibility
from web.forms import ArticleForm, add_validation_errors, entity_text

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
        "actions": workflow_actions(user, article) if user.is_authenticated else [],
        "broken_links": selectors.article_broken_links(user=user, article=article),
    })


# Fields of the editor form the services take as they are (links and tags are resolved
# by the form first); a POST without a field leaves it unchanged.
_EDITABLE = ("title", "summary", "body", "kind", "visibility", "tags", "municipalities",
             "software", "services")


def _initial(article: Article) -> dict:
    return {
        "title": article.title, "summary": article.summary, "body": article.body,
        "kind": article.kind, "visibility": article.visibility,
        "tags": ", ".join(t.name for t in article.tags.all()),
        "municipalities": entity_text(article.municipalities.order_by("name"), lambda m: m.ags),
        "software": entity_text(article.software.order_by("name"), lambda s: s.slug),
        "services": entity_text(article.services.order_by("name"), services.service_key),
    }


def _editor(request: HttpRequest, form: ArticleForm, article: Article | None,
            revision: int | None = None, conflict: dict | None = None) -> HttpResponse:
    return render(request, "web/knowledge/article_edit.html", {
        "article": article, "form": form, "revision": revision, "conflict": conflict,
        "errors": [str(e) for e in form.non_field_errors()],
        "preview": markdown.render(form["body"].value() or "").html,
    }, status=409 if conflict else 200)


@login_required
def article_create(request: HttpRequest) -> HttpResponse:
    """A new article, as a draft with the writer as its author (members, like the API)."""
    if not permissions.can_create_article(request.user):
        raise PermissionDenied
    form = ArticleForm(request.POST or None, initial={
        "kind": ArticleKind.BEST_PRACTICE, "visibility": ArticleVisibility.MEMBERS})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            article = services.article_create(
                actor=request.user, note=data["note"] or "",
                **{name: data[name] for name in _EDITABLE})
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(request, _("Der Artikel wurde als Entwurf angelegt."))
            return redirect(article.get_absolute_url())
    return _editor(request, form, None)


@login_required
def article_edit(request: HttpRequest, slug: str) -> HttpResponse:
    article = _article(request, slug)
    if not permissions.can_edit_article(request.user, article):
        raise PermissionDenied
    initial = _initial(article)
    if request.method != "POST":
        return _editor(request, ArticleForm(initial=initial), article, article.revision)
    # Fields the POST leaves out keep their value (older forms and scripts send only some).
    data = {**initial, **request.POST.dict()}
    form = ArticleForm(data)
    revision = _int(request.POST.get("revision"), 0)
    conflict = None
    if form.is_valid():
        changes = {name: form.cleaned_data[name] for name in _EDITABLE if name in request.POST}
        try:
            services.article_update(actor=request.user, article=article,
                                    expected_revision=revision,
                                    note=form.cleaned_data["note"] or "", **changes)
        except services.EditConflict as exc:
            form.add_error(None, exc)
            conflict = {"base": revision, "current": exc.current_revision}
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(request, _("Der Artikel wurde gespeichert."))
            return redirect(article.get_absolute_url())
    return _editor(request, form, article, revision, conflict)


TRANSITIONS = {"submit": services.article_submit, "withdraw": services.article_withdraw,
               "publish": services.article_publish, "archive": services.article_archive}


def workflow_actions(user, article: Article) -> list[tuple[str, str]]:
    """The status changes offered on the article page; the services decide in the end."""
    status = article.status
    moderator = permissions.can_publish_article(user, article)
    editor = moderator or permissions.can_edit_article(user, article)
    actions = []
    if editor and status == ArticleStatus.DRAFT:
        actions.append(("submit", _("Zur Prüfung einreichen")))
    if moderator and status in (ArticleStatus.DRAFT, ArticleStatus.IN_REVIEW,
                                ArticleStatus.ARCHIVED):
        actions.append(("publish", _("Veröffentlichen")))
    if (editor and status == ArticleStatus.IN_REVIEW) or (
            moderator and status == ArticleStatus.PUBLISHED):
        actions.append(("withdraw", _("Zurück in den Entwurf")))
    if editor and status in (ArticleStatus.PUBLISHED, ArticleStatus.DRAFT,
                             ArticleStatus.IN_REVIEW):
        actions.append(("archive", _("Archivieren")))
    return actions


@login_required
@require_POST
def article_transition(request: HttpRequest, slug: str) -> HttpResponse:
    """Submit, withdraw, publish or archive, on top of the revision the page showed."""
    article = _article(request, slug)
    service = TRANSITIONS.get(request.POST.get("aktion", ""))
    if service is None:
        raise Http404
    try:  # refused by the services with PermissionDenied (403) for the wrong person
        service(actor=request.user, article=article,
                expected_revision=_int(request.POST.get("revision"), 0))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Status geändert: %(status)s.")
                         % {"status": article.get_status_display()})
    if not permissions.can_view_article(request.user, article):
        return redirect("article_list")
    return redirect(article.get_absolute_url())


@login_required
@require_POST
def article_preview(request: HttpRequest) -> HttpResponse:
    """The rendered (sanitised) HTML of a Markdown text, for the editor's live preview."""
    if not permissions.can_create_article(request.user):
        raise PermissionDenied
    rendered = markdown.render(request.POST.get("body", "")[:200_000])
    return HttpResponse(rendered.html, content_type="text/html; charset=utf-8")
