#!/usr/bin/env bash
# Everything the test suite needs, on a fresh machine: Chromium and Java from the
# system's packages (only when missing), the Python environment with its pinned
# packages, and the pinned checkers from package-lock.json (axe-core, the Nu HTML
# Checker). Run from anywhere: bash tests/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=
apt_install() {
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

# The browser tests run in Chromium's headless shell, and in the full browser what only it does
# (it asks for a page's icon): tests/browsing.py, BROWSERS.
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromium-headless-shell ]; then
  echo "setup: installing Chromium and its headless shell"
  apt_install chromium chromium-headless-shell fonts-liberation  # fonts: without recommends, pages would render in tofu
fi
if ! command -v java >/dev/null; then
  echo "setup: installing Java (for the Nu HTML Checker)"
  apt_install default-jre-headless
fi
if ! command -v npm >/dev/null; then
  echo "setup: installing npm"
  apt_install npm
fi

python3 -m venv .venv
.venv/bin/pip install -q -e '.[test]'
# The lock file pins the checkers; their install scripts would only fetch a Java we do not use.
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
