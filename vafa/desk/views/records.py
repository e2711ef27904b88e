"""Customer, organisation, product and unit pages (being built)."""

urlpatterns: list = []
