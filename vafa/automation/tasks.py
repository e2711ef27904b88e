"""Background work of the automation app: importing the modules registers their work handlers,
subscribers and periodic jobs (routing in routing.py, rules in rules.py)."""

from __future__ import annotations

from vafa.automation import routing, rules  # noqa: F401
