#!/usr/bin/env python
"""Django's command-line utility; `.venv/bin/commonplace` does the same."""

from config.cli import main

if __name__ == "__main__":
    main()
