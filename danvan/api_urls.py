"""Every API endpoint, registered on one router. A module lists its endpoints in its `api.py` as
`ROUTES = [(prefix, viewset, basename), …]`; they are registered here in the order of INSTALLED_APPS."""

from importlib import import_module

from django.apps import apps
from django.urls import include, path
from rest_framework.routers import DefaultRouter

from danvan.structure import api as structure_api

router = DefaultRouter()
router.register("units", structure_api.UnitViewSet, basename="unit")
router.register("organisations", structure_api.OrganisationViewSet, basename="organisation")
router.register("branches", structure_api.BranchViewSet, basename="branch")

for app_config in apps.get_app_configs():
    if not app_config.name.startswith("danvan.") or app_config.label == "structure":
        continue
    try:
        module = import_module(f"{app_config.name}.api")
    except ModuleNotFoundError as exc:
        if exc.name != f"{app_config.name}.api":
            raise
        continue
    for prefix, viewset, basename in getattr(module, "ROUTES", ()):
        router.register(prefix, viewset, basename=basename)

urlpatterns = [path("", include(router.urls))]
