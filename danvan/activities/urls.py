from django.urls import path

from danvan.activities import views

app_name = "activities"

# Every URL with a pk refers to an instance of its view's model.
urlpatterns = [
    path("", views.dashboard_redirect, name="index"),
    path("overview/", views.DashboardView.as_view(), name="dashboard"),
    path("compliance/", views.ComplianceView.as_view(), name="compliance"),
    path("laggards/", views.LaggardsView.as_view(), name="laggards"),
    # meetings, their cadres and issues
    path("meetings/", views.MeetingListView.as_view(), name="meeting-list"),
    path("meetings/new/", views.MeetingCreateView.as_view(), name="meeting-create"),
    path("meetings/branches/", views.BranchChoicesView.as_view(), name="branch-choices"),
    path("meetings/<int:pk>/", views.MeetingDetailView.as_view(), name="meeting-detail"),
    path("meetings/<int:pk>/edit/", views.MeetingUpdateView.as_view(), name="meeting-update"),
    path("meetings/<int:pk>/delete/", views.MeetingDeleteView.as_view(), name="meeting-delete"),
    path("meetings/<int:pk>/cadres/new/", views.AttendanceCreateView.as_view(), name="attendance-create"),
    path("meetings/<int:pk>/issues/new/", views.IssueCreateView.as_view(), name="issue-create"),
    path("attendances/", views.AttendanceListView.as_view(), name="attendance-list"),
    path("attendances/<int:pk>/edit/", views.AttendanceUpdateView.as_view(), name="attendance-update"),
    path("attendances/<int:pk>/delete/", views.AttendanceDeleteView.as_view(), name="attendance-delete"),
    path("issues/", views.IssueListView.as_view(), name="issue-list"),
    path("issues/<int:pk>/forward/", views.IssueForwardView.as_view(), name="issue-forward"),
    path("issues/<int:pk>/answer/", views.IssueAnswerView.as_view(), name="issue-answer"),
    # cadres
    path("cadres/", views.CadreListView.as_view(), name="cadre-list"),
    path("cadres/new/", views.CadreCreateView.as_view(), name="cadre-create"),
    path("cadres/choices/", views.CadreChoicesView.as_view(), name="cadre-choices"),
    path("cadres/<int:pk>/", views.CadreDetailView.as_view(), name="cadre-detail"),
    path("cadres/<int:pk>/edit/", views.CadreUpdateView.as_view(), name="cadre-update"),
    # quotas
    path("quotas/", views.QuotaRuleListView.as_view(), name="quota-list"),
    path("quotas/new/", views.QuotaRuleCreateView.as_view(), name="quota-create"),
    path("quotas/<int:pk>/", views.QuotaRuleUpdateView.as_view(), name="quota-update"),
    path("quotas/<int:pk>/delete/", views.QuotaRuleDeleteView.as_view(), name="quota-delete"),
    path("reminders/", views.ReminderListView.as_view(), name="reminder-list"),
    # training
    path("training/", views.CourseListView.as_view(), name="course-list"),
    path("training/new/", views.CourseCreateView.as_view(), name="course-create"),
    path("training/figures/", views.TrainingFiguresView.as_view(), name="training-figures"),
    path("training/<int:pk>/", views.CourseDetailView.as_view(), name="course-detail"),
    path("training/<int:pk>/edit/", views.CourseUpdateView.as_view(), name="course-update"),
    path("training/<int:pk>/delete/", views.CourseDeleteView.as_view(), name="course-delete"),
    path(
        "training/<int:pk>/participants/new/",
        views.ParticipantCreateView.as_view(),
        name="participant-create",
    ),
    path("participants/<int:pk>/edit/", views.ParticipantUpdateView.as_view(), name="participant-update"),
    path("participants/<int:pk>/delete/", views.ParticipantDeleteView.as_view(), name="participant-delete"),
]
