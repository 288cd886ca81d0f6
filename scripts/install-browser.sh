#!/usr/bin/env bash
# Install Debian's chromium for the browser tests. Never downloads a browser build of its own.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "chromium is already installed: $(/usr/bin/chromium --version 2>/dev/null || true)"
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "Cannot install chromium here (needs root and apt-get); the browser tests will skip." >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null
echo "Installed: $(/usr/bin/chromium --version)"
