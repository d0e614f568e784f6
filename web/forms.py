"""Forms of the web interface. Fields only: validation of the domain rules happens in the
models via the hub services, whose errors the views attach back to these forms."""

from __future__ import annotations

from functools import lru_cache

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from hub import errors
from hub.models import USAGE_TRANSITIONS, Usage, UsageStatus, Visibility

STATUS_ORDER = [UsageStatus.EVALUATING, UsageStatus.PLANNED, UsageStatus.PILOT,
                UsageStatus.PRODUCTION, UsageStatus.RETIRED]
SATISFACTION_CHOICES = [("", "–")] + [(str(n), str(n)) for n in range(1, 6)]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class FastSelect(forms.Select):
    """The same <select> markup Django renders, built as one string. Django renders each
    <option> through a template, which takes seconds for the few thousand products of the
    'new usage' rows; here the options are built once per list of choices and reused."""

    def render(self, name, value, attrs=None, renderer=None) -> str:
        key = tuple((k, tuple(v) if isinstance(v, list | tuple) else v) for k, v in self.choices)
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

    usage_id = forms.IntegerField(widget=forms.HiddenInput)
    version = forms.CharField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Status"), widget=FastSelect)
    since = forms.DateField(label=_("seit"), required=False, widget=DateInput())
    satisfaction = forms.TypedChoiceField(label=_("Zufriedenheit"), choices=SATISFACTION_CHOICES,
                                          coerce=int, empty_value=None, required=False,
                                          widget=FastSelect)
    visibility = forms.ChoiceField(label=_("Sichtbarkeit"), choices=Visibility.choices,
                                   widget=FastSelect)
    notes = forms.CharField(label=_("Anmerkungen"), required=False, max_length=2000)
    delete = forms.BooleanField(label=_("entfernen"), required=False)

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
    notes = forms.CharField(label=_("Anmerkungen"), required=False, max_length=2000)

    def __init__(self, *args, software_choices: list | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["software"].widget.choices = ([("", _("– Software wählen –"))]
                                                  + (software_choices or []))

    def has_changed(self) -> bool:
        """A row counts only when a product was picked; defaults alone add nothing."""
        return bool(self.data.get(self.add_prefix("software")))

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("software")
        return data


class BaseUsageRowFormSet(forms.BaseFormSet):
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
NewUsageFormSet = forms.formset_factory(NewUsageForm, extra=3)


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
