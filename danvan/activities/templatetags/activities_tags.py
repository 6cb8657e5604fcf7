"""Small display helpers of the activities and practices pages."""

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


@register.filter
def pct(value, digits: int = 1) -> str:
    """0.853 → "85,3%" (localised decimal separator); None → "—"."""
    if value is None or value == "":
        return "—"
    return f"{floatformat(float(value) * 100, digits)}%"


@register.filter
def rate_class(value, threshold: float = 1.0) -> str:
    """A Bootstrap text colour for a fulfilment rate against the threshold."""
    if value is None:
        return "text-muted"
    if value >= threshold:
        return "text-success"
    if value >= threshold * 0.7:
        return "text-warning-emphasis"
    return "text-danger"


@register.filter
def bar_width(value) -> str:
    """A CSS width class for a 0..1 share, in steps of 5% (no inline style: the CSP forbids it)."""
    if value is None:
        return "w-pct-0"
    step = max(0, min(100, round(float(value) * 20) * 5))
    return f"w-pct-{step}"


@register.filter
def choice_label(value, choices) -> str:
    return dict(choices).get(value, value or "—")


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
