#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "overlay.settings")
    from django.core.management import execute_from_command_line

    from overlay.env import SettingsProblems

    try:
        execute_from_command_line(sys.argv)
    except SettingsProblems as problems:
        sys.exit(str(problems))  # one line per problem, no traceback


if __name__ == "__main__":
    main()
