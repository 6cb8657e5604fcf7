"""Every API endpoint, registered on one router. Each module adds its viewsets here."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from danvan.structure import api as structure_api

router = DefaultRouter()
router.register("units", structure_api.UnitViewSet, basename="unit")
router.register("organisations", structure_api.OrganisationViewSet, basename="organisation")
router.register("branches", structure_api.BranchViewSet, basename="branch")

urlpatterns = [path("", include(router.urls))]
