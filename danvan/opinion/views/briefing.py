"""Opinion pages: briefing."""

urlpatterns: list = []
