#!/usr/bin/env bash
# check-docker.sh QUELL_BINARY : static checks of docker/Dockerfile and docker/compose.yaml for CI
# machines without a Docker engine (run by CTest as docker_files_check):
#   1. every COPY source of the build context exists;
#   2. the config the image runs (CMD / compose command) exists and passes `quell check-config`;
#   3. the runtime stage installs a Debian package for every shared library the binary needs
#      (ELF NEEDED entries -> dpkg -S), beyond what debian:12-slim already has;
#   4. compose's build context, Dockerfile and mounted host paths exist;
#   5. Prometheus' config for compose passes `promtool check config` (when promtool is installed).
set -euo pipefail
cd "$(dirname "$0")/.."
quell=${1:?usage: check-docker.sh QUELL_BINARY}
dockerfile=docker/Dockerfile
compose=docker/compose.yaml
fail=0
err() { echo "check-docker: $*" >&2; fail=1; }

# 1. COPY sources (not --from=...): paths relative to the build context (the repository root).
while read -r src; do
  [ "$src" = "." ] && continue
  [ -e "$src" ] || err "$dockerfile: COPY source $src does not exist"
done < <(awk '/^COPY / && $2 !~ /^--from/ { for (i = 2; i < NF; i++) print $i }' "$dockerfile")

# 2. The config the container runs, relative to WORKDIR /opt/quell = the repository root.
workdir=$(awk '/^WORKDIR/ { w = $2 } END { print w }' "$dockerfile")
[ "$workdir" = /opt/quell ] || err "$dockerfile: final WORKDIR is $workdir, expected /opt/quell (mirrors the repo)"
cmd_config=$(grep -E '^CMD ' "$dockerfile" | grep -oE '"config/[^"]+"' | tr -d '"')
compose_config=$(grep -E '^\s*command:' "$compose" | grep -oE '"config/[^"]+"' | tr -d '"' | head -1)
[ -n "$cmd_config" ] || err "$dockerfile: CMD names no config/ file"
[ "$cmd_config" = "$compose_config" ] || err "$compose: quell command runs $compose_config, the image's CMD $cmd_config"
if [ -n "$cmd_config" ]; then
  if ! out=$("$quell" check-config "$cmd_config" 2>&1); then
    echo "$out" >&2
    err "$cmd_config: quell check-config failed"
  fi
fi

# 3. Runtime libraries.
runtime_pkgs=" $(awk '/^FROM .* AS runtime/ { rt = 1 } rt && /apt-get install/ { go = 1 } go { print } go && !/\\$/ { go = 0 }' "$dockerfile" \
  | tr ' \\' '\n\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' | grep -vE '^(apt-get|install|rm|useradd|update)$' | tr '\n' ' ') "
base_pkgs=" libc6 libstdc++6 libgcc-s1 "          # in debian:12-slim
sanitizer_pkgs=" libasan8 libubsan1 "             # only in sanitizer builds (CTest runs build-asan)
for so in $(readelf -d "$quell" | awk '/NEEDED/ { gsub(/[][]/, "", $5); print $5 }'); do
  pkg=$( (dpkg -S "/lib/x86_64-linux-gnu/$so" 2>/dev/null || dpkg -S "/usr/lib/x86_64-linux-gnu/$so" 2>/dev/null \
          || dpkg -S "*/$so" 2>/dev/null) | head -1 | cut -d: -f1)
  if [ -z "$pkg" ]; then err "$quell needs $so, which no installed Debian package provides"; continue; fi
  case "$runtime_pkgs$base_pkgs$sanitizer_pkgs" in
    *" $pkg "*) ;;
    *) err "$dockerfile: the runtime stage does not install $pkg (for $so)" ;;
  esac
done

# 4. compose paths (relative to docker/).
ctx=$(awk '/context:/ { print $2; exit }' "$compose")
df=$(awk '/dockerfile:/ { print $2; exit }' "$compose")
[ -d "docker/$ctx" ] || err "$compose: build context docker/$ctx does not exist"
[ -f "docker/$ctx/$df" ] || err "$compose: dockerfile docker/$ctx/$df does not exist"
while read -r host; do
  [ -e "docker/$host" ] || err "$compose: mounted path docker/$host does not exist"
done < <(grep -oE '^\s*- \.\./[^:]+:' "$compose" | sed -E 's/^\s*- //; s/:$//')

# 5. Prometheus config, with its in-container paths mapped to the repository.
if command -v promtool >/dev/null 2>&1; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  sed "s#/etc/prometheus/#$PWD/config/prometheus/#g" config/prometheus/prometheus.yml > "$tmp/prometheus.yml"
  promtool check config "$tmp/prometheus.yml" >/dev/null || err "config/prometheus/prometheus.yml: promtool check config failed"
fi

if [ "$fail" -ne 0 ]; then exit 1; fi
echo "check-docker: ok ($dockerfile, $compose, $cmd_config)"
