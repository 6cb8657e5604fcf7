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
