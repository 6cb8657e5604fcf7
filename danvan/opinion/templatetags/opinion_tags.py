"""Template filters of the opinion pages."""

from django import template

from danvan.opinion.privacy import readable as _readable
from danvan.opinion.privacy import strip_personal

register = template.Library()


@register.filter
def readable(text):
    """An item's or issue's text with the personal-data placeholders as words ("[số điện thoại]")."""
    return _readable(text)


@register.filter
def redacted(text):
    """A collaborator's own words as the analysts read them: names, phones, e-mails and ID numbers removed."""
    return _readable(strip_personal(text or ""))
