from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from danvan.core import views as core_views

urlpatterns = [
    path("", include("danvan.core.urls")),
    path("accounts/", include("danvan.accounts.urls")),
    path("structure/", include("danvan.structure.urls")),
    path("members/", include("danvan.members.urls")),
    path("cases/", include("danvan.cases.urls")),
    path("activities/", include("danvan.activities.urls")),
    path("practices/", include("danvan.practices.urls")),
    path("opinion/", include("danvan.opinion.urls")),
    path("api/", include("danvan.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("health/", core_views.health, name="health"),
    path("django-admin/", admin.site.urls),
]

handler403 = "danvan.core.views.permission_denied"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
