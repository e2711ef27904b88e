#!/usr/bin/env python
"""Django's command-line utility; `vafa` (vafa.cli) is the same with the project's defaults."""

import sys

from vafa.cli import main

if __name__ == "__main__":
    sys.exit(main())
