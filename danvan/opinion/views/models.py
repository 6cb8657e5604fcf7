"""Opinion pages: models."""

urlpatterns: list = []
