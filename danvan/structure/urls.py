from django.urls import path

from danvan.structure import views

app_name = "structure"

urlpatterns = [
    path("units/", views.UnitListView.as_view(), name="unit-list"),
    path("units/<int:pk>/", views.UnitDetailView.as_view(), name="unit-detail"),
    path("organisations/", views.OrganisationListView.as_view(), name="organisation-list"),
    path("organisations/<int:pk>/", views.OrganisationDetailView.as_view(), name="organisation-detail"),
    path("branches/", views.BranchListView.as_view(), name="branch-list"),
    path("branches/<int:pk>/", views.BranchDetailView.as_view(), name="branch-detail"),
]
