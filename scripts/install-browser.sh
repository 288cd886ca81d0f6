#!/usr/bin/env bash
# What the browser tests need: Debian's chromium (never a browser build of its own) and
# axe-core from npm (package.json / package-lock.json), which the accessibility tests inject
# into pages. Each part is skipped with a message when it cannot be installed here; the tests
# that need it then skip with a visible reason.
set -euo pipefail
cd "$(dirname "$0")/.."

install_chromium() {
  if [ -x /usr/bin/chromium ]; then
    echo "chromium is already installed: $(/usr/bin/chromium --version 2>/dev/null || true)"
    return 0
  fi
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "Cannot install chromium here (needs root and apt-get); the browser tests will skip." >&2
    return 0
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null
  echo "Installed: $(/usr/bin/chromium --version)"
}

install_axe() {
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm is not installed; the accessibility (axe-core) tests will skip." >&2
    return 0
  fi
  # The lock file pins the exact version; `npm ci` installs just that, from the npm registry.
  npm ci --no-audit --no-fund --loglevel=error \
    || echo "npm ci failed; the accessibility (axe-core) tests will skip." >&2
  if [ -f node_modules/axe-core/axe.min.js ]; then
    echo "axe-core $(node -p 'require("./node_modules/axe-core/package.json").version' 2>/dev/null || true)"
  fi
}

install_chromium
install_axe
