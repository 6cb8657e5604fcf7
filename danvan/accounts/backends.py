"""Sign-in with a username or an e-mail address; permissions come from active role assignments."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.utils import timezone

from danvan.accounts.models import User


class UsernameOrEmailBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        login = username.strip()
        user = User.objects.filter(
            Q(username__iexact=login) | (Q(email__iexact=login) & ~Q(email=""))
        ).first()
        if user is None:
            User().set_password(password)  # same time as a real check: no user enumeration by timing
            return None
        if user.is_locked:
            if request is not None:
                request.danvan_locked_user = user
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        if request is not None:
            request.danvan_failed_user = user
        return None

    def _get_role_permissions(self, user_obj):
        from danvan.accounts.models import RoleAssignment

        today = timezone.localdate()
        role_ids = RoleAssignment.objects.active_on(today).filter(user=user_obj).values("role_id")
        return Permission.objects.filter(role__id__in=role_ids)

    def get_group_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_role_perm_cache"):
            perms = self._get_role_permissions(user_obj).values_list("content_type__app_label", "codename")
            user_obj._role_perm_cache = {f"{ct}.{name}" for ct, name in perms}
        return user_obj._role_perm_cache
