from django.urls import path  # noqa: F401

app_name = "opinion"

# Every URL with a pk refers to an instance of its view's model.
urlpatterns: list = []
