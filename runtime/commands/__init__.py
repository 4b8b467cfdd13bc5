"""The runtime's command-line verbs (`run`, `stubs`), registered with `sandbox-lint` as entry points."""
