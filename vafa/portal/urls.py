"""The customer portal at /portal/: each area of it adds its own addresses (views/<area>.py)."""

from vafa.portal.views import account, aftersales, products, requests, widget

app_name = "portal"

urlpatterns = [
    *account.urlpatterns,
    *products.urlpatterns,
    *requests.urlpatterns,
    *widget.urlpatterns,
    *aftersales.urlpatterns,
]
