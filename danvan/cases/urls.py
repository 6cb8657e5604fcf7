from django.urls import path
from django.views.generic import RedirectView

from danvan.cases import views

app_name = "cases"

# Every URL with a pk refers to an instance of its view's model (Case, CaseDocument, Dialogue,
# DialogueQuestion, Commitment or ReceptionSession). The public portal (public/…) takes no pk: a case is
# found by its tracking code, posted in a form.
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="cases:dashboard", permanent=False), name="index"),
    path("overview/", views.DashboardView.as_view(), name="dashboard"),
    path("list/", views.CaseListView.as_view(), name="case-list"),
    path("overdue/", views.OverdueListView.as_view(), name="case-overdue"),
    path("new/", views.CaseCreateView.as_view(), name="case-create"),
    path("similar/", views.SimilarCasesView.as_view(), name="case-similar"),
    path("communes/", views.CommuneOptionsView.as_view(), name="communes"),
    path("figures/", views.FiguresView.as_view(), name="figures"),
    path("notifications/", views.NotificationsView.as_view(), name="notifications"),
    path("notifications/<int:pk>/", views.NotificationOpenView.as_view(), name="notification-open"),
    path("<int:pk>/", views.CaseDetailView.as_view(), name="case-detail"),
    path("<int:pk>/classify/", views.CaseClassifyView.as_view(), name="case-classify"),
    path("<int:pk>/accept/", views.CaseAcceptView.as_view(), name="case-accept"),
    path("<int:pk>/refuse/", views.CaseRefuseView.as_view(), name="case-refuse"),
    path("<int:pk>/assign/", views.CaseAssignView.as_view(), name="case-assign"),
    path("<int:pk>/start/", views.CaseStartView.as_view(), name="case-start"),
    path("<int:pk>/extend/", views.CaseExtendView.as_view(), name="case-extend"),
    path("<int:pk>/conclude/", views.CaseConcludeView.as_view(), name="case-conclude"),
    path("<int:pk>/answer/", views.CaseAnswerView.as_view(), name="case-answer"),
    path("<int:pk>/close/", views.CaseCloseView.as_view(), name="case-close"),
    path("<int:pk>/reopen/", views.CaseReopenView.as_view(), name="case-reopen"),
    path("<int:pk>/transfer/", views.CaseTransferView.as_view(), name="case-transfer"),
    path("<int:pk>/appeal/", views.CaseAppealView.as_view(), name="case-appeal"),
    path("<int:pk>/duplicate/", views.CaseDuplicateView.as_view(), name="case-duplicate"),
    path("<int:pk>/note/", views.CaseNoteView.as_view(), name="case-note"),
    path("<int:pk>/documents/new/", views.CaseDocumentAddView.as_view(), name="case-document-add"),
    path("<int:pk>/letter/", views.CaseLetterView.as_view(), name="case-letter"),
    path("<int:pk>/identity/", views.CaseIdentityView.as_view(), name="case-identity"),
    path("documents/<int:pk>/", views.DocumentDownloadView.as_view(), name="document-download"),
    # dialogue
    path("dialogues/", views.DialogueListView.as_view(), name="dialogue-list"),
    path("dialogues/new/", views.DialogueCreateView.as_view(), name="dialogue-create"),
    path("dialogues/<int:pk>/", views.DialogueDetailView.as_view(), name="dialogue-detail"),
    path("dialogues/<int:pk>/edit/", views.DialogueUpdateView.as_view(), name="dialogue-update"),
    path(
        "dialogues/<int:pk>/questions/", views.DialogueQuestionAddView.as_view(), name="dialogue-question-add"
    ),
    path(
        "dialogues/<int:pk>/commitments/",
        views.DialogueCommitmentAddView.as_view(),
        name="dialogue-commitment-add",
    ),
    path("dialogues/<int:pk>/minutes/", views.DialogueMinutesView.as_view(), name="dialogue-minutes"),
    path("questions/<int:pk>/answer/", views.QuestionAnswerView.as_view(), name="question-answer"),
    path("questions/<int:pk>/to-case/", views.QuestionToCaseView.as_view(), name="question-to-case"),
    path("commitments/", views.CommitmentListView.as_view(), name="commitment-list"),
    path("commitments/<int:pk>/", views.CommitmentDetailView.as_view(), name="commitment-detail"),
    # leaders' reception of citizens
    path("reception/", views.ReceptionListView.as_view(), name="reception-list"),
    path("reception/new/", views.ReceptionCreateView.as_view(), name="reception-create"),
    path("reception/<int:pk>/edit/", views.ReceptionUpdateView.as_view(), name="reception-update"),
    path("compliance/", views.ReceptionComplianceView.as_view(), name="reception-compliance"),
    # settings
    path("settings/rules/", views.RulesView.as_view(), name="rules"),
    path("settings/calendar/", views.CalendarView.as_view(), name="calendar"),
    path("settings/letters/", views.LetterTemplatesView.as_view(), name="letter-templates"),
    path("settings/fields/", views.FieldsView.as_view(), name="fields"),
    path("settings/reception/", views.RequirementsView.as_view(), name="requirements"),
    # the public portal (no account)
    path("public/", views.PublicHomeView.as_view(), name="public-home"),
    path("public/submit/", views.PublicSubmitView.as_view(), name="public-submit"),
    path("public/receipt/", views.PublicReceiptView.as_view(), name="public-receipt"),
    path("public/track/", views.PublicTrackView.as_view(), name="public-track"),
    path("public/rate/", views.PublicRateView.as_view(), name="public-rate"),
    path("public/communes/", views.PublicCommunesView.as_view(), name="public-communes"),
]
