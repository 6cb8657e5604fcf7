from django.urls import path

from danvan.structure import views

app_name = "structure"

# Every URL with a pk refers to an instance of its view's model (Unit, Organisation or Branch).
urlpatterns = [
    # administrative units and villages
    path("units/", views.UnitListView.as_view(), name="unit-list"),
    path("units/tree/", views.UnitTreeView.as_view(), name="unit-tree"),
    path("units/choices/", views.UnitChoicesView.as_view(), name="unit-choices"),
    path("units/import/", views.VillageImportView.as_view(), name="unit-import"),
    path("units/import/template/", views.VillageImportTemplateView.as_view(), name="unit-import-template"),
    path("units/<int:pk>/", views.UnitDetailView.as_view(), name="unit-detail"),
    path("units/<int:pk>/children/", views.UnitChildrenView.as_view(), name="unit-children"),
    path("units/<int:pk>/villages/new/", views.UnitCreateView.as_view(), name="unit-create"),
    path("units/<int:pk>/edit/", views.UnitUpdateView.as_view(), name="unit-update"),
    path("units/<int:pk>/deactivate/", views.UnitDeactivateView.as_view(), name="unit-deactivate"),
    # organisations
    path("organisations/", views.OrganisationListView.as_view(), name="organisation-list"),
    path("organisations/tree/", views.OrganisationTreeView.as_view(), name="organisation-tree"),
    path("organisations/choices/", views.OrganisationChoicesView.as_view(), name="organisation-choices"),
    path("organisations/new/", views.OrganisationCreateView.as_view(), name="organisation-create"),
    path("organisations/<int:pk>/", views.OrganisationDetailView.as_view(), name="organisation-detail"),
    path(
        "organisations/<int:pk>/children/",
        views.OrganisationChildrenView.as_view(),
        name="organisation-children",
    ),
    path("organisations/<int:pk>/edit/", views.OrganisationUpdateView.as_view(), name="organisation-update"),
    path(
        "organisations/<int:pk>/deactivate/",
        views.OrganisationDeactivateView.as_view(),
        name="organisation-deactivate",
    ),
    path(
        "organisations/<int:pk>/activate/",
        views.OrganisationActivateView.as_view(),
        name="organisation-activate",
    ),
    # branches
    path("branches/", views.BranchListView.as_view(), name="branch-list"),
    path("branches/choices/", views.BranchChoicesView.as_view(), name="branch-choices"),
    path("branches/new/", views.BranchCreateView.as_view(), name="branch-create"),
    path("branches/import/", views.BranchImportView.as_view(), name="branch-import"),
    path(
        "branches/import/template/", views.BranchImportTemplateView.as_view(), name="branch-import-template"
    ),
    path("branches/<int:pk>/", views.BranchDetailView.as_view(), name="branch-detail"),
    path("branches/<int:pk>/children/", views.BranchChildrenView.as_view(), name="branch-children"),
    path("branches/<int:pk>/edit/", views.BranchUpdateView.as_view(), name="branch-update"),
    path("branches/<int:pk>/deactivate/", views.BranchDeactivateView.as_view(), name="branch-deactivate"),
    path("branches/<int:pk>/activate/", views.BranchActivateView.as_view(), name="branch-activate"),
]
