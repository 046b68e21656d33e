#!/usr/bin/env bash
# Quick start, command 1: install what is missing, build, and run Quell on its embedded default
# configuration (HTTP intake on 127.0.0.1:9797, local state, stdout/file sinks, the bundled sample
# stream). Extra arguments go to `quell run`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release
exec build/bin/quell run "$@"
