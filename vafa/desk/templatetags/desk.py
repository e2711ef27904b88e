"""The desk's name for the shared date and number helpers (`{% load desk %}` = `{% load vafa %}`)."""

from vafa.core.templatetags.vafa import register

__all__ = ["register"]
