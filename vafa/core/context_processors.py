from django.conf import settings
from django.http import HttpRequest


def vafa(request: HttpRequest) -> dict[str, object]:
    return {"VAFA_COMPANY_NAME": settings.VAFA_COMPANY_NAME}
