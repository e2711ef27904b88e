"""The REST API at /api/v1/: one router per domain app, OpenAPI at /api/v1/openapi.json."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponseNotAllowed
from django.http.response import HttpResponseBase
from django.urls import URLPattern, URLResolver
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Router
from ninja.openapi.schema import OpenAPISchema

from vafa.api.auth import AUTH
from vafa.api.errors import ApiErrorCode, error_body, register_exception_handlers
from vafa.api.idempotency import OPENAPI_PARAMETER, claim_key, store_answer
from vafa.core.context import via

DESCRIPTION = """\
The REST API of Vafa for integrations (shops, ERPs, scripts) and the web UI.

Authenticate with `Authorization: Bearer <token>` (create one with `vafa token create --user EMAIL`),
or with the web session (unsafe methods then need the CSRF token). Every error answers
`{"error": {"code", "message", "fields"}}`. Lists answer `{"items", "next"}`; pass `next` back as
`cursor`. Send `Idempotency-Key` on POST to retry safely. docs/api.md has the details.
"""


class VafaNinjaAPI(NinjaAPI):
    """NinjaAPI whose 405 answers use the error shape and whose schema documents Idempotency-Key."""

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        patterns = super()._get_urls()
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _json_not_allowed(self, pattern.callback)
        return patterns

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema["paths"].values():
            post = operations.get("post")
            if post is not None:
                post.setdefault("parameters", []).append(dict(OPENAPI_PARAMETER))
        return schema


def _json_not_allowed(
    api: NinjaAPI, view: Callable[..., HttpResponseBase]
) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = api.create_response(
                request,
                error_body(ApiErrorCode.METHOD_NOT_ALLOWED, _("This method is not allowed here.")),
                status=405,
            )
            response["Allow"] = allowed
        return response

    return wrapper


def _through_api(view_func: Callable[..., Any]) -> Callable[..., Any]:
    """Mark every service call an operation makes as coming through the API (for the audit log)."""

    @wraps(view_func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with via("api"):
            return view_func(*args, **kwargs)

    return wrapper


api = VafaNinjaAPI(
    title="Vafa API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
    auth=AUTH,
)
register_exception_handlers(api)
api.add_decorator(store_answer, mode="view")
api.add_decorator(claim_key, mode="operation")
api.add_decorator(_through_api, mode="operation")


def _add_routers() -> None:
    from vafa.aftersales.api import router as aftersales_router
    from vafa.catalog.api import router as catalog_router
    from vafa.channels.api import router as channels_router
    from vafa.customers.api import router as customers_router
    from vafa.knowledge.api import router as knowledge_router
    from vafa.sales.api import router as sales_router
    from vafa.service.api import router as service_router
    from vafa.sla.api import router as sla_router

    api.add_router("", customers_router)
    api.add_router("", catalog_router)
    api.add_router("", sales_router)
    api.add_router("", service_router)
    api.add_router("", channels_router)
    api.add_router("", sla_router)
    api.add_router("", knowledge_router)
    api.add_router("", aftersales_router)

    # Last: any other path under /api/v1/ answers a JSON 404, not Django's HTML page.
    fallback = Router(auth=None)

    @fallback.api_operation(
        ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", include_in_schema=False
    )
    def no_such_endpoint(request: HttpRequest, rest: str) -> None:
        raise Http404(rest)

    api.add_router("", fallback)


_add_routers()
