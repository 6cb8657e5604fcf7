from django.urls import path

from danvan.members import views

app_name = "members"

# Every URL with a pk refers to an instance of its view's model (Person, Membership, Branch, ImportBatch,
# DuplicateCandidate).
urlpatterns = [
    path("", views.MembershipListView.as_view(), name="membership-list"),
    path("new/", views.RegisterView.as_view(), name="register"),
    path("lookup/", views.CitizenIdLookupView.as_view(), name="citizen-id-lookup"),
    path("figures/", views.FiguresView.as_view(), name="figures"),
    path("figures/breakdown/", views.FiguresBreakdownView.as_view(), name="figures-breakdown"),
    path("branch-choices/", views.BranchChoicesView.as_view(), name="branch-choices"),
    # people
    path("people/<int:pk>/", views.PersonDetailView.as_view(), name="person-detail"),
    path("people/<int:pk>/edit/", views.PersonUpdateView.as_view(), name="person-update"),
    path("people/<int:pk>/join/", views.PersonJoinView.as_view(), name="person-join"),
    path("people/<int:pk>/citizen-id/", views.CitizenIdRevealView.as_view(), name="person-citizen-id"),
    path("people/<int:pk>/merge/", views.PersonMergeView.as_view(), name="person-merge"),
    # memberships and their movements
    path("memberships/<int:pk>/", views.MembershipDetailView.as_view(), name="membership-detail"),
    path(
        "memberships/<int:pk>/transfer/", views.MembershipTransferView.as_view(), name="membership-transfer"
    ),
    path("memberships/<int:pk>/leave/", views.MembershipLeaveView.as_view(), name="membership-leave"),
    path("memberships/<int:pk>/rejoin/", views.MembershipRejoinView.as_view(), name="membership-rejoin"),
    path("memberships/<int:pk>/number/", views.MembershipNumberView.as_view(), name="membership-number"),
    path("memberships/<int:pk>/delete/", views.MembershipDeleteView.as_view(), name="membership-delete"),
    # branches
    path("branches/<int:pk>/transfer/", views.BranchTransferView.as_view(), name="branch-transfer"),
    path("branches/<int:pk>/book.pdf", views.MemberBookView.as_view(), name="branch-book"),
    # duplicates
    path("duplicates/", views.DuplicateListView.as_view(), name="duplicate-list"),
    path("duplicates/scan/", views.DuplicateScanView.as_view(), name="duplicate-scan"),
    path("duplicates/<int:pk>/dismiss/", views.DuplicateDismissView.as_view(), name="duplicate-dismiss"),
    # imports
    path("imports/", views.ImportView.as_view(), name="import"),
    path("imports/template/", views.ImportTemplateView.as_view(), name="import-template"),
    path("imports/<int:pk>/", views.ImportDetailView.as_view(), name="import-detail"),
    path("imports/<int:pk>/commit/", views.ImportCommitView.as_view(), name="import-commit"),
    path("imports/<int:pk>/discard/", views.ImportDiscardView.as_view(), name="import-discard"),
    path("imports/<int:pk>/rejected/", views.ImportRejectedView.as_view(), name="import-rejected"),
]
