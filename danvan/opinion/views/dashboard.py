"""Opinion pages: dashboard."""

urlpatterns: list = []
