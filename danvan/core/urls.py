from django.urls import path

from danvan.core import audit, views

app_name = "core"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("jobs/", views.JobListView.as_view(), name="job-list"),
    path("jobs/<int:pk>/", views.JobDetailView.as_view(), name="job-detail"),
    path("jobs/<int:pk>/result/", views.job_result_download, name="job-result"),
    path("audit/", audit.AuditView.as_view(), name="audit"),
    path("audit/access/", audit.AccessLogView.as_view(), name="access-log"),
]
