"""The mail badge of the desk bar: how many e-mails wait in quarantine (managers and admins only)."""

from __future__ import annotations

from django import template

from vafa.desk.mail import quarantined_count

register = template.Library()


@register.simple_tag
def quarantined_mail_count() -> int:
    """One count on the state index; the bar shows it only to those who may open the mail pages."""
    return quarantined_count()
