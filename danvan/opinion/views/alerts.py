"""Opinion pages: alerts."""

urlpatterns: list = []
