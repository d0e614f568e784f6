"""Admin for moderators. Saves go through knowledge.services, so an edit in the admin writes
a revision, renders and sanitises the body, and is refused on a stale revision like any other
edit (the form carries the revision it was loaded with)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from hub import errors
from knowledge import markdown, services
from knowledge.models import Article, ArticleRevision, Tag


class ArticleAdminForm(forms.ModelForm):
    base_revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Article
        fields = ["title", "slug", "summary", "body", "kind", "status", "visibility", "tags",
                  "authors", "municipalities", "software", "services", "collaborations",
                  "is_demo"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["slug"].help_text = _("Leer lassen: wird aus dem Titel gebildet.")
        if self.instance.pk:
            self.fields["base_revision"].initial = self.instance.revision

    def clean(self) -> dict:
        data = super().clean()
        if self.instance.pk:
            current = Article.objects.filter(pk=self.instance.pk).values_list("revision", flat=True).first()
            if data.get("base_revision") != current:
                raise ValidationError(
                    _("Der Artikel wurde inzwischen geändert (Revision %(current)s). Bitte neu "
                      "laden und die Änderungen zusammenführen."),
                    code=errors.EDIT_CONFLICT, params={"current": current})
        return data


class ArticleRevisionInline(admin.TabularInline):
    model = ArticleRevision
    fields = ["number", "created_at", "author", "status", "note", "restored_from"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ["-number"]
    show_change_link = False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = ["title", "kind", "status", "visibility", "revision", "updated_at", "is_demo"]
    list_filter = ["status", "kind", "visibility", "is_demo", "tags"]
    search_fields = ["title", "summary", "slug"]
    autocomplete_fields = ["tags", "authors", "municipalities", "software", "services",
                           "collaborations"]
    readonly_fields = ["revision", "published_at", "created_at", "updated_at", "broken"]
    inlines = [ArticleRevisionInline]

    @admin.display(description=_("defekte Verweise"))
    def broken(self, obj: Article) -> str:
        return format_html_join("", "<div>{}</div>", ((markdown.broken_link_message(b),)
                                                       for b in obj.broken_links)) or "–"

    def save_model(self, request, obj: Article, form: ArticleAdminForm, change: bool) -> None:
        data = form.cleaned_data
        fields = {name: data[name] for name in ("summary", "body", "kind", "visibility",
                                                "is_demo", "tags", "authors", "municipalities",
                                                "software", "services", "collaborations")}
        if data["slug"]:
            fields["slug"] = data["slug"]
        if change:
            article = services.article_update(
                actor=request.user, article=Article.objects.get(pk=obj.pk),
                expected_revision=data["base_revision"], title=data["title"], **fields)
            services.article_set_status(actor=request.user, article=article, status=data["status"])
        else:
            article = services.article_create(actor=request.user, title=data["title"],
                                              status=data["status"], **fields)
        obj.pk = article.pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change: bool) -> None:
        """Relations were saved by the service (no form.save_m2m()); the revision inline is
        read-only, saving it only records that nothing changed."""
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
