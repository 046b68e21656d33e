#!/bin/bash
# bench/multicore.sh OUT_DIR: the parser and Kafka-source measurements of issues #3 and #4 on a
# machine with more cores than the 2-vCPU CI machines (bench/results/kafka.md, parsers.md).
#
#   OUT_DIR/machine.txt   cores, CPU model, load
#   OUT_DIR/parse.txt     ten runs of parser_bench ParseVsBare (webhook and OTLP logs), each pinned
#                         to one core, then every BM_Bare/BM_Parse pair once
#   OUT_DIR/kafka.txt     kafka_source_bench: bare consumers (1, 2, 4, 8), the source with
#                         `consumers: 1, 2, 4, 8`, medians of 5
#   OUT_DIR/engine.txt    engine_submit_bench BM_EngineSubmit/N (one producer, 1-8 shards) and
#                         BM_EngineProducers/P/S (P producers, S shards, every signal a state change)
#
# QUELL_PARTS (default "parse kafka engine") picks the parts; QUELL_PARSE_RUNS and QUELL_KAFKA_REPS
# shorten them.
#
# The binaries come from build/bin, or through $QUELL_RUN (a wrapper taking "BINARY ARGS...", e.g.
# one that runs a copied build with its own libraries).
set -u
out=${1:?usage: bench/multicore.sh OUT_DIR}
mkdir -p "$out"
here=$(cd "$(dirname "$0")/.." && pwd)
run() {
  if [[ -n "${QUELL_RUN:-}" ]]; then "$QUELL_RUN" "$@"; else "$here/build/bin/$1" "${@:2}"; fi
}
pin() {  # pin CORE BINARY ARGS...: on one core where taskset exists.
  local core=$1; shift
  if command -v taskset > /dev/null; then
    if [[ -n "${QUELL_RUN:-}" ]]; then taskset -c "$core" "$QUELL_RUN" "$@"; else taskset -c "$core" "$here/build/bin/$1" "${@:2}"; fi
  else
    run "$@"
  fi
}

{
  date -u
  echo "nproc: $(nproc)"
  grep -m1 'model name' /proc/cpuinfo
  grep -m1 'MemTotal' /proc/meminfo
  uptime
  command -v taskset > /dev/null && echo "taskset: yes" || echo "taskset: no (runs not pinned)"
} > "$out/machine.txt" 2>&1
cat "$out/machine.txt"

parts=" ${QUELL_PARTS:-parse kafka engine} "
core=$(( $(nproc) > 4 ? 3 : $(nproc) - 1 ))  # A core away from core 0's interrupts.
if [[ $parts == *" parse "* ]]; then
  {
    for i in $(seq "${QUELL_PARSE_RUNS:-10}"); do
      echo "== run $i $(date -u +%T)"
      pin "$core" parser_bench --benchmark_filter='ParseVsBare' 2>&1 | grep ParseVsBare
    done
    echo "== every format, once"
    pin "$core" parser_bench --benchmark_filter='BM_Bare/|BM_Parse/' --benchmark_min_time=0.5 2>&1 | grep -E '^BM_'
  } > "$out/parse.txt"
  tail -n 20 "$out/parse.txt"
fi

if [[ $parts == *" kafka "* ]]; then
  run kafka_source_bench \
    --benchmark_filter='BM_ParseOnly|BM_BareConsumer/|BM_BareConsumerSingle|BM_BareConsumers/|BM_KafkaSource/|BM_KafkaSourceNoParse|BM_KafkaSourceConsumers/' \
    --benchmark_repetitions="${QUELL_KAFKA_REPS:-5}" --benchmark_report_aggregates_only=true 2>&1 |
    grep -v '\] \[info\]' > "$out/kafka.txt"
  grep -E '^BM_.*(median|manual_time )|Run on|Load' "$out/kafka.txt"
fi

if [[ $parts == *" engine "* ]]; then
  run engine_submit_bench --benchmark_filter='BM_EngineSubmit|BM_EngineProducers' --benchmark_repetitions=3 \
    --benchmark_report_aggregates_only=true > "$out/engine.txt" 2>&1
  grep -E 'median' "$out/engine.txt"
fi
