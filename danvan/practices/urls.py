from django.urls import path

from danvan.practices import views

app_name = "practices"

# Every URL with a pk refers to an instance of its view's model.
urlpatterns = [
    path("", views.PracticeListView.as_view(), name="practice-list"),
    path("new/", views.PracticeCreateView.as_view(), name="practice-create"),
    path("figures/", views.FiguresView.as_view(), name="figures"),
    path("criteria/", views.CriteriaView.as_view(), name="criteria"),
    path("<int:pk>/", views.PracticeDetailView.as_view(), name="practice-detail"),
    path("<int:pk>/print/", views.PracticePrintView.as_view(), name="practice-print"),
    path("<int:pk>/edit/", views.PracticeUpdateView.as_view(), name="practice-update"),
    path("<int:pk>/assess/", views.PracticeAssessView.as_view(), name="practice-assess"),
    path("<int:pk>/recognise/", views.PracticeRecogniseView.as_view(), name="practice-recognise"),
    path("<int:pk>/replicate/", views.PracticeReplicateView.as_view(), name="practice-replicate"),
    path("<int:pk>/stop/", views.PracticeStopView.as_view(), name="practice-stop"),
    path("<int:pk>/evidence/new/", views.EvidenceCreateView.as_view(), name="evidence-create"),
    path("evidence/<int:pk>/", views.EvidenceDownloadView.as_view(), name="evidence-download"),
    path("evidence/<int:pk>/delete/", views.EvidenceDeleteView.as_view(), name="evidence-delete"),
    path("awards/", views.AwardListView.as_view(), name="award-list"),
    path("awards/new/", views.AwardCreateView.as_view(), name="award-create"),
    path("awards/<int:pk>/", views.AwardDetailView.as_view(), name="award-detail"),
]
