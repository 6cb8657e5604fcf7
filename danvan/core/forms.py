"""Form helpers: Bootstrap classes on every widget, NFC-cleaned text."""

from __future__ import annotations

from django import forms

from danvan.core.text import clean


def style_fields(fields) -> None:
    for field in fields.values():
        widget = field.widget
        if isinstance(widget, (forms.CheckboxInput,)):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
            widget.attrs.setdefault("class", "form-select form-select-sm")
        else:
            widget.attrs.setdefault("class", "form-control form-control-sm")
        if isinstance(widget, forms.DateInput):
            widget.input_type = "date"
            widget.format = "%Y-%m-%d"


class StyledFormMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self.fields)

    def clean(self):
        data = super().clean()
        for name, value in list(data.items()):
            if isinstance(value, str):
                data[name] = clean(value) if "\n" not in value else value.strip()
        return data


class StyledForm(StyledFormMixin, forms.Form):
    pass


class StyledModelForm(StyledFormMixin, forms.ModelForm):
    pass


class UploadForm(StyledForm):
    file = forms.FileField(label="")

    def __init__(self, *args, allowed=(".xlsx", ".csv"), max_mb: int = 50, **kwargs):
        from django.utils.translation import gettext_lazy as _

        super().__init__(*args, **kwargs)
        self.allowed = allowed
        self.max_mb = max_mb
        self.fields["file"].label = _("File (Excel .xlsx or CSV)")

    def clean_file(self):
        from django.utils.translation import gettext as _

        f = self.cleaned_data["file"]
        name = f.name.lower()
        if not name.endswith(tuple(self.allowed)):
            raise forms.ValidationError(
                _("Unsupported file type. Accepted: %(types)s.") % {"types": ", ".join(self.allowed)}
            )
        if f.size > self.max_mb * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than %(mb)s MB.") % {"mb": self.max_mb})
        if f.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        return f
