#!/usr/bin/env bash
# The extension's CI: clean install, type-check and compile the unit tests (tsc), bundle the
# TypeScript (esbuild -> out/extension.js), lint, unit tests, bundle the Python server
# (bundle_server.py -> bundled/libs), then package the .vsix for this platform and print its size.
# Called by the repository's .ci/run; exits non-zero on the first failure.
#
#   PYTHON=python3.12 ./ci.sh    # the Python that runs bundle_server.py (default: ../.venv, else python3)
set -euo pipefail
cd "$(dirname "$0")"

python="${PYTHON:-}"
if [[ -z "$python" ]]; then
    if [[ -x ../.venv/bin/python ]]; then python=../.venv/bin/python; else python=python3; fi
fi

# The vsce target of this machine: the bundle holds libcst's compiled parser, built for one
# platform, so the .vsix is platform-specific (VS Code installs only the matching one).
target="$(node -e '
const arch = { x64: "x64", arm64: "arm64", arm: "armhf" }[process.arch];
const musl = process.platform === "linux" && !process.report.getReport().header.glibcVersionRuntime;
if (!arch || !["linux", "darwin", "win32"].includes(process.platform)) {
  console.error(`no VS Code target for ${process.platform}-${process.arch}`);
  process.exit(1);
}
console.log(`${musl ? "alpine" : process.platform}-${arch}`);
')"
vsix="sandbox-lint-$target.vsix"

npm ci --no-audit --no-fund
npm run ci
"$python" bundle_server.py
rm -f ./*.vsix
npm run package -- --target "$target" --out "$vsix"
bytes="$(wc -c < "$vsix")"
echo "$vsix: $((bytes / 1024)) KiB for $target ($("$python" -c "import sys, zipfile; print(len(zipfile.ZipFile(sys.argv[1]).namelist()))" "$vsix") files)"
