"""Forms of the web interface. Fields only: validation of the domain rules happens in the
models via the hub services, whose errors the views attach back to these forms."""

from __future__ import annotations

import re
from functools import lru_cache

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.choices import normalize_choices
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from hub import errors
from hub.models import (
    USAGE_TRANSITIONS,
    Municipality,
    Service,
    Software,
    Usage,
    UsageStatus,
    Visibility,
)
from knowledge.models import ArticleKind, ArticleVisibility

STATUS_ORDER = [UsageStatus.EVALUATING, UsageStatus.PLANNED, UsageStatus.PILOT,
                UsageStatus.PRODUCTION, UsageStatus.RETIRED]
SATISFACTION_CHOICES = [("", "–")] + [(str(n), str(n)) for n in range(1, 6)]


def add_validation_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put the errors of a write (hub.services, knowledge.services) next to the fields they
    name, the others above the form: the editors' table rows and the article form alike."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, problems in exc.error_dict.items():
        form.add_error(name if name in form.fields else None, problems)


class FastInputMixin:
    """Renders Django's own <input> markup (django/forms/widgets/input.html, same context)
    as one string. The editors' table has five inputs in each of up to a few hundred rows;
    through the template engine they take most of the page's time."""

    def render(self, name, value, attrs=None, renderer=None) -> str:
        widget = self.get_context(name, value, attrs)["widget"]
        value_attr = "" if widget["value"] is None else f' value="{escape(widget["value"])}"'
        return mark_safe(f'<input type="{escape(widget["type"])}" '  # noqa: S308 - all parts escaped
                         f'name="{escape(widget["name"])}"{value_attr}{_attrs(widget["attrs"])}>')


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html: in order, True bare, False left out."""
    return "".join("" if value is False else f" {name}" if value is True
                   else f' {name}="{escape(value)}"' for name, value in attrs.items())


class DateInput(FastInputMixin, forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class FastTextInput(FastInputMixin, forms.TextInput):
    pass


class FastHiddenInput(FastInputMixin, forms.HiddenInput):
    pass


class FastCheckboxInput(FastInputMixin, forms.CheckboxInput):
    pass


class FastSelect(forms.Select):
    """The same <select> markup Django renders, built as one string. Django renders each
    <option> through a template, which takes seconds for the few thousand products of the
    'new usage' rows; here the options are built once per list of choices and reused."""

    @property
    def choices(self):
        return self._choices

    @choices.setter
    def choices(self, value) -> None:
        # A tuple is taken as already normalised: Django would walk the few thousand
        # products again for every row (most of the page's time at Germany scale).
        self._choices = value if isinstance(value, tuple) else normalize_choices(value)

    def render(self, name, value, attrs=None, renderer=None) -> str:
        key = self.choices if isinstance(self.choices, tuple) else tuple(
            (k, tuple(v) if isinstance(v, list | tuple) else v) for k, v in self.choices)
        options = _options_html(key)
        if value not in (None, ""):
            plain = f'<option value="{escape(value)}">'
            options = options.replace(plain, plain[:-1] + " selected>", 1)
        return mark_safe(f'<select name="{escape(name)}"'  # noqa: S308 - all parts escaped
                         f'{flatatt(self.build_attrs(self.attrs, attrs))}>{options}</select>')


@lru_cache(maxsize=32)
def _options_html(choices: tuple) -> str:
    def option(key, label) -> str:
        return f'<option value="{escape(key)}">{escape(label)}</option>'

    parts = []
    for key, label in choices:
        if isinstance(label, tuple):
            parts.append(f'<optgroup label="{escape(key)}">')
            parts += [option(k, v) for k, v in label]
            parts.append("</optgroup>")
        else:
            parts.append(option(key, label))
    return "".join(parts)


class UsageRowForm(forms.Form):
    """One row of the usages table of 'Meine Kommune'. Existing rows carry the usage id and
    the time of its last change, so a change made meanwhile by someone else is not
    overwritten silently."""

    usage_id = forms.IntegerField(widget=FastHiddenInput)
    version = forms.CharField(widget=FastHiddenInput)
    status = forms.ChoiceField(label=_("Status"), widget=FastSelect)
    since = forms.DateField(label=_("seit"), required=False, widget=DateInput())
    satisfaction = forms.TypedChoiceField(label=_("Zufriedenheit"), choices=SATISFACTION_CHOICES,
                                          coerce=int, empty_value=None, required=False,
                                          widget=FastSelect)
    visibility = forms.ChoiceField(label=_("Sichtbarkeit"), choices=Visibility.choices,
                                   widget=FastSelect)
    notes = forms.CharField(label=_("Anmerkungen"), required=False, max_length=2000,
                            widget=FastTextInput)
    delete = forms.BooleanField(label=_("entfernen"), required=False, widget=FastCheckboxInput)

    editable_fields = ["status", "since", "satisfaction", "visibility", "notes"]

    def __init__(self, *args, usage: Usage | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.usage = usage
        current = usage.status if usage else UsageStatus.PRODUCTION
        allowed = {current} | USAGE_TRANSITIONS[current]
        self.fields["status"].choices = [(s, UsageStatus(s).label) for s in STATUS_ORDER
                                         if s in allowed]

    @staticmethod
    def initial_for(usage: Usage) -> dict:
        return {"usage_id": usage.pk, "version": usage.updated_at.isoformat(),
                "status": usage.status, "since": usage.since,
                "satisfaction": usage.satisfaction, "visibility": usage.visibility,
                "notes": usage.notes}

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.editable_fields
                if name in self.changed_data}


class NewUsageForm(forms.Form):
    """An empty row under the table: a product the municipality starts to use or plan."""

    # An integer, not a ChoiceField: Django would copy and normalise the list of every
    # product for each row. The view checks the id against the products it offered.
    software = forms.IntegerField(label=_("Software"), required=False, widget=FastSelect)
    status = forms.ChoiceField(label=_("Status"), initial=UsageStatus.PRODUCTION, widget=FastSelect,
                               choices=[(s, UsageStatus(s).label) for s in STATUS_ORDER
                                        if s != UsageStatus.RETIRED])
    since = forms.DateField(label=_("seit"), required=False, widget=DateInput())
    satisfaction = forms.TypedChoiceField(label=_("Zufriedenheit"), choices=SATISFACTION_CHOICES,
                                          coerce=int, empty_value=None, required=False,
                                          widget=FastSelect)
    visibility = forms.ChoiceField(label=_("Sichtbarkeit"), choices=Visibility.choices,
                                   initial=Visibility.PUBLIC, widget=FastSelect)
    notes = forms.CharField(label=_("Anmerkungen"), required=False, max_length=2000,
                            widget=FastTextInput)

    def __init__(self, *args, software_choices: list | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["software"].widget.choices = ((("", _("– Software wählen –")),)
                                                  + tuple(software_choices or ()))

    def has_changed(self) -> bool:
        """A row counts only when a product was picked; defaults alone add nothing."""
        return bool(self.data.get(self.add_prefix("software")))

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("software")
        return data


class ReleasableFormSet(forms.BaseFormSet):
    """A formset whose forms can be let go once the page is rendered."""

    def release(self) -> None:
        """Drop the forms' cached BoundFields. Each BoundField points to its form while the
        form caches it, so every form of a table is a reference cycle, and the table (with
        the usages and products its rows hold) waits for a full garbage collection: some
        7,000 objects for 60 rows. Call after rendering; the forms stay usable."""
        for form in [*self.forms, self.management_form]:
            form._bound_fields_cache.clear()


class BaseUsageRowFormSet(ReleasableFormSet):
    """Gives each row its usage, found by the id the row carries (not by position, so a row
    added meanwhile by someone else cannot shift the table)."""

    def __init__(self, *args, usages: list[Usage] = (), **kwargs):
        self.usages = {u.pk: u for u in usages}
        kwargs.setdefault("initial", [UsageRowForm.initial_for(u) for u in usages])
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is None:
            return kwargs
        if self.is_bound:
            raw = self.data.get(f"{self.add_prefix(index)}-usage_id", "")
            pk = int(raw) if str(raw).isdigit() else None
        else:
            pk = self.initial[index]["usage_id"] if index < len(self.initial) else None
        kwargs["usage"] = self.usages.get(pk)
        return kwargs


UsageRowFormSet = forms.formset_factory(UsageRowForm, formset=BaseUsageRowFormSet, extra=0)
NewUsageFormSet = forms.formset_factory(NewUsageForm, formset=ReleasableFormSet, extra=3)


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-Mail-Adresse der Kollegin oder des Kollegen"),
                             max_length=254)


class AskUsersForm(forms.Form):
    subject = forms.CharField(label=_("Betreff"), max_length=150)
    body = forms.CharField(
        label=_("Ihre Nachricht"), max_length=5000, widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Antworten gehen direkt an Ihre E-Mail-Adresse. Die Adressen der "
                    "Empfängerinnen und Empfänger sehen Sie nicht."))

    def clean_subject(self) -> str:
        """A line break in a mail header would let a sender add headers of their own."""
        subject = self.cleaned_data["subject"]
        if "\n" in subject or "\r" in subject:
            raise forms.ValidationError(_("Der Betreff darf keinen Zeilenumbruch enthalten."),
                                        code=errors.INVALID)
        return subject


# --- knowledge articles ---

_KEY_SUFFIX = re.compile(r"\(([^()]+)\)\s*$")


def _tokens(text: str) -> list[str]:
    return [t.strip() for t in re.split(r"[,;\n]", text or "") if t.strip()]


def _key(token: str) -> str:
    """"Erkrath (05158004)" → "05158004"; a bare key or name stays as it is."""
    match = _KEY_SUFFIX.search(token)
    return match.group(1).strip() if match else token


def _not_found(token: str) -> ValidationError:
    return ValidationError(_("„%(text)s“ wurde nicht gefunden."), code=errors.NOT_FOUND,
                           params={"text": token})


def _ambiguous(token: str, names: list[str]) -> ValidationError:
    return ValidationError(
        _("„%(text)s“ ist nicht eindeutig (%(names)s). Bitte den Schlüssel in Klammern "
          "angeben."), code=errors.INVALID, params={"text": token, "names": ", ".join(names)})


def entity_text(objects, key) -> str:
    """Links as the form shows them: "Name (key)", comma separated."""
    return ", ".join(f"{o} ({key(o)})" for o in objects)


class ArticleForm(forms.Form):
    """Content, kind, visibility, tags and the entities an article is about. Links are typed
    as names or keys ("Erkrath (05158004)", "Session (session)", a LeiKa key); the domain
    rules (title, workflow, permissions, optimistic locking) stay in knowledge.services."""

    title = forms.CharField(label=_("Titel"), max_length=200)
    summary = forms.CharField(label=_("Zusammenfassung"), max_length=600, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    body = forms.CharField(label=_("Text (Markdown)"), required=False, strip=False,
                           widget=forms.Textarea(attrs={"rows": 20}))
    kind = forms.ChoiceField(label=_("Art"), choices=ArticleKind.choices)
    visibility = forms.ChoiceField(label=_("Sichtbarkeit"), choices=ArticleVisibility.choices)
    tags = forms.CharField(label=_("Schlagwörter"), required=False, max_length=2000)
    municipalities = forms.CharField(label=_("Kommunen"), required=False, max_length=4000)
    software = forms.CharField(label=_("Software"), required=False, max_length=4000)
    services = forms.CharField(label=_("Leistungen"), required=False, max_length=4000)
    note = forms.CharField(label=_("Notiz zur Änderung"), required=False, max_length=200)

    def clean_body(self) -> str:
        # Browsers submit textareas with CRLF; stored text and revision diffs use LF.
        return self.cleaned_data["body"].replace("\r\n", "\n")

    def clean_summary(self) -> str:
        return self.cleaned_data["summary"].replace("\r\n", "\n")

    def clean_tags(self) -> list[str]:
        names = list(dict.fromkeys(_tokens(self.cleaned_data["tags"])))
        too_long = [n for n in names if len(n) > 60]
        if too_long:
            raise ValidationError(_("Ein Schlagwort hat höchstens 60 Zeichen: „%(tag)s“."),
                                  code=errors.INVALID, params={"tag": too_long[0]})
        return names

    def _resolve(self, field: str, find) -> list:
        found, problems = [], []
        for token in _tokens(self.cleaned_data[field]):
            hits = find(_key(token))
            if len(hits) == 1:
                found.append(hits[0])
            else:
                problems.append(_ambiguous(token, [str(h) for h in hits[:3]]) if hits
                                else _not_found(token))
        if problems:
            raise ValidationError(problems)
        return list({o.pk: o for o in found}.values())

    def clean_municipalities(self) -> list[Municipality]:
        def find(text: str) -> list[Municipality]:
            exact = list(Municipality.objects.filter(ags=text)) or list(
                Municipality.objects.filter(name__iexact=text)[:3])
            return exact
        return self._resolve("municipalities", find)

    def clean_software(self) -> list[Software]:
        def find(text: str) -> list[Software]:
            return list(Software.objects.filter(slug=text)) or list(
                Software.objects.filter(name__iexact=text)[:3])
        return self._resolve("software", find)

    def clean_services(self) -> list[Service]:
        def find(text: str) -> list[Service]:
            return (list(Service.objects.filter(leika_key=text))
                    or list(Service.objects.filter(ozg_id=text, kind="ozg"))
                    or list(Service.objects.filter(name__iexact=text)[:3]))
        return self._resolve("services", find)

