"""Fixtures of the webhooks tests: a real receiver on 127.0.0.1."""

from vafa.webhooks.tests.receiver import receiver  # noqa: F401
