#!/usr/bin/env bash
# fuzz-smoke.sh BUILD_DIR SECONDS : runs each libFuzzer target in BUILD_DIR/bin (named *_fuzz)
# for SECONDS over its corpus in fuzz/corpus/<name>/. Fails on the first crash.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$1; secs=$2
shopt -s nullglob
targets=("$dir"/bin/*_fuzz)
if [ ${#targets[@]} -eq 0 ]; then echo "fuzz-smoke: no targets in $dir/bin" >&2; exit 1; fi
for t in "${targets[@]}"; do
  name=$(basename "$t")
  corpus=fuzz/corpus/${name%_fuzz}
  work=$(mktemp -d)
  cp -r "$corpus"/. "$work"/ 2>/dev/null || true
  echo "fuzz-smoke: $name for ${secs}s"
  "$t" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 \
       "$work" "$corpus" >"$work.log" 2>&1 || { tail -50 "$work.log"; exit 1; }
  rm -rf "$work" "$work.log"
done
