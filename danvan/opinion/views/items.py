"""Opinion pages: items."""

urlpatterns: list = []
