"""Every main desk page, in English and in Persian, on the demo company: loads, no console errors.

With VAFA_SCREENSHOTS_DIR set (`make screenshots`), the pictures are kept there for the README;
otherwise they go to a temporary folder and only the checks count.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vafa.accounts.models import User
from vafa.demo.builder import PASSWORDS, build_demo
from vafa.service.models import OPEN_STATUSES
from vafa.service.selectors import case_list

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WALKERS = {
    "en": "agent.john@demo.vafa.test",
    "fa": "agent.sara@demo.vafa.test",
}


def _sign_in(page, email: str, password: str) -> None:
    page.goto("/desk/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/desk/inbox/**")


def _shoot(page, folder: Path, name: str) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(folder / f"{name}.png"), full_page=False)


@pytest.mark.parametrize("language", ["en", "fa"])
def test_main_pages_render_without_errors(browser, live_server, tmp_path, language):
    build_demo(seed=42, customers=80, cases=160)
    folder = Path(os.environ.get("VAFA_SCREENSHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    agent = User.objects.get(email=WALKERS[language])
    agent.language = language
    agent.save(update_fields=["language"])
    case = (
        case_list(viewer=agent)
        .filter(status__in=OPEN_STATUSES, unit__isnull=False)
        .order_by("-updated_at")
        .first()
    )
    assert case is not None
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 860})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(f"{page.url}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
    try:
        page.goto("/desk/login/")
        _shoot(page, folder, f"desk-login-{language}")
        _sign_in(page, agent.email, PASSWORDS["agent"])
        expected_dir = "rtl" if language == "fa" else "ltr"
        pages = {
            "inbox": "/desk/inbox/?view=open",
            "case": f"/desk/cases/{case.number}/",
            "customer": f"/desk/customers/{case.customer_id}/",
            "unit": f"/desk/units/{case.unit_id}/",
            "product": f"/desk/products/{case.product_id}/" if case.product_id else None,
            "search": "/desk/search/?q=" + case.subject.split()[0],
        }
        for name, url in pages.items():
            if url is None:
                continue
            response = page.goto(url)
            assert response is not None and response.status == 200, (url, response and response.status)
            assert page.get_attribute("html", "dir") == expected_dir
            _shoot(page, folder, f"desk-{name}-{language}")
        context.clear_cookies()
        manager = User.objects.get(email="manager@demo.vafa.test")
        manager.language = language
        manager.save(update_fields=["language"])
        page.goto("/desk/login/")
        page.fill("#id_username", manager.email)
        page.fill("#id_password", PASSWORDS["manager"])
        page.click("button[type=submit]")
        page.wait_for_url("**/desk/**")
        response = page.goto("/desk/dashboard/")
        assert response is not None and response.status == 200
        page.wait_for_selector("canvas")
        _shoot(page, folder, f"desk-dashboard-{language}")
        assert errors == []
    finally:
        context.close()
