"""Opinion pages: review."""

urlpatterns: list = []
