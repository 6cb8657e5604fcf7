"""Opinion pages: sources."""

urlpatterns: list = []
