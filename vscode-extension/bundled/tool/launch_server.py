"""Start the sandbox-lint language server for the VS Code extension.

    python -I launch_server.py --import-strategy useBundled [--check] [-- SERVER_ARGS...]
    python launch_server.py --import-strategy fromEnvironment [--check] [-- SERVER_ARGS...]

Started as a script, Python puts this file's folder first on sys.path and never
the current directory, on every version: a workspace's own `lsp.py`,
`runtime.py` or `sandbox_lint.py` cannot take the server's place (the
PYTHONSAFEPATH guard only exists from Python 3.11). The launcher also drops
its own folder and any entry naming the current directory (an empty
PYTHONPATH item), as the server never imports the user's code. Then
`useBundled` puts ../libs first (built by bundle_server.py), and
`fromEnvironment` uses what the interpreter has installed.

`--check` tells quickly, without importing the server, whether it can start:
exit 0, or a reason on stderr and one of the EXIT_* codes below (the
extension maps them to messages). A real start whose imports fail exits with
the same codes and a one-line reason, not a traceback. This file runs on any Python 3 so that an old one gets the reason,
not a syntax error.
"""

import json
import os
import sys

EXIT_USAGE = 2
EXIT_NO_SERVER = 3  # fromEnvironment: this environment has no sandbox-lint
EXIT_TOO_OLD = 4  # older than the oldest Python the server supports
EXIT_BUNDLE = 5  # useBundled: the bundle is missing or was built for another Python or platform

MINIMUM = (3, 10)
STRATEGIES = ("useBundled", "fromEnvironment")
HERE = os.path.dirname(os.path.abspath(__file__))
LIBS = os.path.join(os.path.dirname(HERE), "libs")
MANIFEST = os.path.join(os.path.dirname(HERE), "bundle.json")


class Refusal(Exception):
    def __init__(self, code, message):
        Exception.__init__(self, message)
        self.code = code


def parse(argv):
    """(strategy, check, server_args) from the launcher's own command line."""
    strategy, check, rest = None, False, list(argv)
    while rest:
        word = rest.pop(0)
        if word == "--":
            break
        if word == "--check":
            check = True
        elif word == "--import-strategy" and rest:
            strategy = rest.pop(0)
        else:
            raise Refusal(EXIT_USAGE, "unknown launcher argument %r (server arguments go after --)" % word)
    if strategy not in STRATEGIES:
        raise Refusal(EXIT_USAGE, "--import-strategy must be one of %s, got %r" % (", ".join(STRATEGIES), strategy))
    return strategy, check, rest


def without_workspace(path, cwd):
    """sys.path minus this folder and the current directory (however it is spelled)."""
    banned = set(os.path.normcase(os.path.realpath(p)) for p in (HERE, cwd))
    return [p for p in path if os.path.normcase(os.path.realpath(p or os.curdir)) not in banned]


def python_name():
    return "Python %d.%d (%s)" % (sys.version_info[0], sys.version_info[1], sys.executable)


def bundle_problem():
    """Why the bundle cannot serve this interpreter, or None."""
    if not os.path.isfile(MANIFEST) or not os.path.isdir(LIBS):
        return "the extension's bundled server is missing (%s): rebuild it with vscode-extension/ci.sh" % LIBS
    with open(MANIFEST, encoding="utf-8") as stream:
        manifest = json.load(stream)
    import sysconfig

    suffix = sysconfig.get_config_var("EXT_SUFFIX") or ""
    for module in manifest["native_modules"]:
        if not os.path.isfile(os.path.join(LIBS, *module.split("/")) + suffix):
            return "the bundled server has no %s%s for %s; it was built for %s, Python %s" % (
                module,
                suffix,
                python_name(),
                manifest["platform"],
                ", ".join(manifest["pythons"]),
            )
    return None


def prepare(strategy):
    """Set sys.path up for `strategy`, or raise Refusal saying why the server cannot start."""
    if sys.version_info[:2] < MINIMUM:
        needed = "%d.%d" % MINIMUM
        raise Refusal(EXIT_TOO_OLD, "%s is too old: the sandbox-lint server needs Python %s or newer" % (python_name(), needed))
    sys.path[:] = without_workspace(sys.path, os.getcwd())
    if strategy == "useBundled":
        problem = bundle_problem()
        if problem is not None:
            raise Refusal(EXIT_BUNDLE, problem)
        sys.path.insert(0, LIBS)
        return
    import importlib.util

    for package in ("lsp", "sandbox_lint"):
        if importlib.util.find_spec(package) is None:
            raise Refusal(EXIT_NO_SERVER, "%s has no sandbox-lint installed (no module %r)" % (python_name(), package))


def main(argv):
    try:
        strategy, check, server_args = parse(argv)
        prepare(strategy)
    except Refusal as refusal:
        sys.stderr.write("sandbox-lint: %s\n" % refusal)
        return refusal.code
    if check:
        return 0
    try:
        import lsp.server  # noqa: F401  (all the server's imports, before anything is served)
    except ImportError as error:
        where = "the bundled server" if strategy == "useBundled" else "sandbox-lint in this environment"
        sys.stderr.write("sandbox-lint: %s cannot be imported by %s: %s\n" % (where, python_name(), error))
        return EXIT_BUNDLE if strategy == "useBundled" else EXIT_NO_SERVER
    import runpy

    sys.argv = ["lsp"] + server_args
    runpy.run_module("lsp", run_name="__main__", alter_sys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
