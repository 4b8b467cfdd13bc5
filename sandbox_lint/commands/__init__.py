"""The checker's own command-line verbs, one module each (as ruff's `commands/`)."""
