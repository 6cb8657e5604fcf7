"""Platform records shared by every module: the access log of sensitive reads, background jobs,
the worker heartbeat."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def user_link(verbose_name) -> models.ForeignKey:
    """Who created, updated or recorded a row: kept as empty when the account is deleted, no reverse accessor."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )


class AccessLogQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "view"):
        """Auditors see the reads of records in their unit subtree; superusers see all."""
        from danvan.core.scoping import user_scopes

        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        condition = Q()
        for scope in user_scopes(user, "core.view_accesslog"):
            condition |= Q(unit_path__startswith=scope.unit_path)
        return self.filter(condition) if condition else self.none()


class AccessLog(models.Model):
    """One read of a sensitive field (a citizen ID, a denouncer's identity). Never holds the value itself."""

    scope_unit_field = "unit_path"

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    model = models.CharField(_("record type"), max_length=100)
    object_pk = models.CharField(_("record"), max_length=64)
    field = models.CharField(_("field"), max_length=100)
    purpose = models.CharField(_("purpose"), max_length=255, blank=True)
    unit_path = models.CharField(max_length=255, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    path = models.CharField(_("address"), max_length=255, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("sensitive data read")
        verbose_name_plural = _("sensitive data reads")
        ordering = ["-at"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.user} {self.model}#{self.object_pk}.{self.field}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Done")
    FAILED = "failed", _("Failed")


class JobQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "view"):
        """A job is seen by the user who started it (and by superusers)."""
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(created_by=user)


class Job(models.Model):
    """A background job as users see it: what it does, how far it is, its result or why it failed."""

    kind = models.CharField(_("kind"), max_length=60)
    title = models.CharField(_("title"), max_length=255)
    status = models.CharField(_("status"), max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    message = models.CharField(_("message"), max_length=500, blank=True)
    error = models.TextField(_("reason of failure"), blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    input_file = models.FileField(upload_to="jobs/input/%Y/%m/", blank=True)
    result_file = models.FileField(_("result file"), upload_to="jobs/result/%Y/%m/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return min(100, int(self.progress * 100 / self.total))

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)


class WorkerHeartbeat(models.Model):
    """Written every minute by each worker; the health endpoint reads the newest."""

    worker = models.CharField(max_length=100, unique=True)
    beat_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.worker} {self.beat_at:%d/%m/%Y %H:%M:%S}"
