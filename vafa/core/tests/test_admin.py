"""Every admin page opens for an admin; managers cannot edit users; agents and customers stay out."""

import pytest
from django.contrib import admin
from django.urls import reverse

from vafa.accounts.models import AuditLog
from vafa.service.tests.factories import make_case


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_every_changelist_and_add_page_answers(db, client, admin_user, customer, model):
    make_case(customer)
    client.force_login(admin_user)
    opts = model._meta

    response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))

    assert response.status_code == 200
    if admin.site._registry[model].has_add_permission(type("R", (), {"user": admin_user})()):
        assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 200


def test_case_change_page_shows_conversation(db, client, admin_user, customer):
    case = make_case(customer, subject="Washer leaks")
    client.force_login(admin_user)

    response = client.get(reverse("admin:service_case_change", args=[case.pk]))

    assert response.status_code == 200
    assert "Since yesterday it does not charge at all." in response.content.decode()


def test_admin_resolve_action_goes_through_the_service(db, client, admin_user, customer):
    case = make_case(customer)
    client.force_login(admin_user)

    client.post(
        reverse("admin:service_case_changelist"), {"action": "resolve", "_selected_action": [case.pk]}
    )

    case.refresh_from_db()
    assert case.status == "resolved"
    assert AuditLog.objects.get(action="case.resolve").via == "admin"


def test_admin_edits_write_the_audit_log(db, client, admin_user, customer):
    client.force_login(admin_user)
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("organisation",)}
    data.update(
        {"name": "Sara Ahmadi-Rad", "contact_points-TOTAL_FORMS": "0", "contact_points-INITIAL_FORMS": "0"}
    )

    response = client.post(url, data)

    assert response.status_code == 302
    audit = AuditLog.objects.get(action="customer.update")
    assert (audit.before, audit.after, audit.via) == (
        {"name": "Sara Ahmadi"},
        {"name": "Sara Ahmadi-Rad"},
        "admin",
    )


def test_audit_log_is_read_only_and_users_are_admins_only(db, client, admin_user, manager, agent):
    client.force_login(manager)
    assert client.get(reverse("admin:accounts_auditlog_changelist")).status_code == 200
    assert client.get(reverse("admin:accounts_auditlog_add")).status_code == 403
    assert client.get(reverse("admin:accounts_user_add")).status_code == 403
    client.force_login(agent)
    assert client.get(reverse("admin:index")).status_code == 302


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "2 cases resolved."), ("ru", "Решено 2 обращения.")]
)
def test_admin_action_reports_counts_with_plural_forms(db, client, admin_user, customer, language, expected):
    cases = [make_case(customer), make_case(customer)]
    admin_user.language = language
    admin_user.save(update_fields=["language"])
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:service_case_changelist"),
        {"action": "resolve", "_selected_action": [c.pk for c in cases]},
        follow=True,
    )

    assert expected in [str(m) for m in response.context["messages"]]
