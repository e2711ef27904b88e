"""Admin for automation: rules, macros and routing."""

from vafa.automation import admin_routing  # noqa: F401
