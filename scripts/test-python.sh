#!/usr/bin/env bash
# Prints the path of a Python that has Atlassian's atlassian-jwt (PyPI), for the sidecar's
# stand-in Connect app (Tests/Fixtures/ace-like-app): $CONNECT_TEST_PYTHON when set, otherwise
# the virtual environment .build/test-venv, created and filled on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${CONNECT_TEST_PYTHON:-}" ]; then echo "$CONNECT_TEST_PYTHON"; exit 0; fi
[ -x .build/test-venv/bin/python ] || python3 -m venv .build/test-venv >&2
.build/test-venv/bin/python -c 'import atlassian_jwt' 2>/dev/null || .build/test-venv/bin/pip install -q atlassian-jwt >&2 \
  || { echo "could not install atlassian-jwt from PyPI; the sidecar's stand-in app needs it (or set CONNECT_TEST_PYTHON)" >&2; exit 1; }
echo "$PWD/.build/test-venv/bin/python"
