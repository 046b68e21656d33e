#!/usr/bin/env bash
# Installs every Debian 12 package Quell needs to build, test and benchmark. Idempotent: when
# everything is present it installs nothing and touches no package list.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  librdkafka-dev libsimdjson-dev libabsl-dev prometheus-cpp-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev libyaml-cpp-dev libre2-dev libxxhash-dev
  libcli11-dev libcurl4-openssl-dev librocksdb-dev libboost-dev zlib1g-dev libzstd-dev libssl-dev
  libgrpc++-dev
  clang libclang-rt-14-dev
  # Real clients and peers used by tests/compat and bench/: kcat, Prometheus (promtool),
  # Alertmanager (amtool), wrk, curl.
  kcat prometheus prometheus-alertmanager wrk curl
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Node.js runs the OpenTelemetry JS exporters in tests/compat; any node >= 18 will do.
if ! command -v node >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
