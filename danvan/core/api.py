"""The API base: every endpoint over scoped records inherits its queryset from ``visible_to``."""

from __future__ import annotations

from rest_framework import viewsets


class ScopedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    model = None
    scope_action = "view"

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user, self.scope_action)
