from django import template

register = template.Library()


@register.inclusion_tag("cases/_deadline.html")
def deadline(obj):
    """The deadline of a case or commitment: date, days left, overdue in red."""
    return {"obj": obj}


@register.filter
def absval(value):
    try:
        return abs(int(value))
    except (TypeError, ValueError):
        return value


@register.filter
def isodate(value):
    """ "2026-12-14" (as stored in a timeline's data) → "14/12/2026"."""
    from datetime import date

    try:
        return date.fromisoformat(str(value)).strftime("%d/%m/%Y")
    except ValueError:
        return value
