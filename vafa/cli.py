"""The `vafa` command: Django's manage.py with the project's settings and commands."""

import os
import sys


def main(argv: list[str] | None = None) -> int:
    """Run a management command (`vafa migrate`, `vafa serve`, `vafa demo`, …)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vafa.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["vafa", *(sys.argv[1:] if argv is None else argv)])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
