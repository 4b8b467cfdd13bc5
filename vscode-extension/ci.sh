#!/usr/bin/env bash
# Clean install, then compile, lint, unit tests and .vsix packaging (npm run ci).
# Called by the repository's CI; exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
npm run ci
