"""collectstatic with the production storage: every file a stylesheet or script names must exist."""

from __future__ import annotations

import json

from django.core.management import call_command

from vafa import settings as project_settings


def test_collectstatic_builds_the_manifest_with_the_front_end_packages(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": project_settings.STORAGES["staticfiles"]}

    call_command("collectstatic", interactive=False, verbosity=0)

    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    for name in (
        "vendor/bootstrap.min.css",
        "vendor/bootstrap.rtl.min.css",
        "vendor/bootstrap.bundle.min.js",
        "vendor/htmx.min.js",
        "vendor/chart.umd.min.js",
        "desk/desk.js",
        "desk/desk.css",
    ):
        assert name in manifest, name
