from danvan.opinion.views import alerts, briefing, dashboard, issues, items, models, review, sources

app_name = "opinion"

# Every URL with a pk refers to an instance of its view's model. Each area of the module lists its own
# patterns in danvan/opinion/views/<area>.py.
urlpatterns = [
    *dashboard.urlpatterns,
    *issues.urlpatterns,
    *alerts.urlpatterns,
    *briefing.urlpatterns,
    *sources.urlpatterns,
    *items.urlpatterns,
    *review.urlpatterns,
    *models.urlpatterns,
]
