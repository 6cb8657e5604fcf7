"""Opinion pages: issues."""

urlpatterns: list = []
