"""The case workspace (being built)."""

urlpatterns: list = []
