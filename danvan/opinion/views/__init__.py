"""The opinion module's pages, one module per area; each module lists its own ``urlpatterns``
(collected by ``danvan/opinion/urls.py``)."""
