#!/usr/bin/env bash
# Prints a Markdown table of the last `make fuzz` run from its logs: executions, new crashes, hangs (timeouts),
# leaks, OOMs, peak RSS and corpus size per target. Usage: scripts/fuzz/summarise.sh [.build-fuzz]
set -u
scratch=${1:-.build-fuzz}
echo "| target | executions | exec/s | crashes | hangs | leaks | OOM | peak RSS MB | corpus |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for log in "$scratch"/logs/Fuzz*.log; do
  case "$log" in *.first.log|*.second.log) continue;; esac
  t=$(basename "$log" .log)
  runs=$(grep -m1 '^stat::number_of_executed_units' "$log" | awk '{print $2}')
  rate=$(grep -m1 '^stat::average_exec_per_sec' "$log" | awk '{print $2}')
  rss=$(grep -m1 '^stat::peak_rss_mb' "$log" | awk '{print $2}')
  crashes=$(grep -c 'ERROR: AddressSanitizer\|ERROR: libFuzzer: deadly signal\|Fatal error' "$log" || true)
  hangs=$(grep -c 'ERROR: libFuzzer: timeout' "$log" || true)
  leaks=$(grep -c 'ERROR: LeakSanitizer' "$log" || true)
  ooms=$(grep -c 'ERROR: libFuzzer: out-of-memory' "$log" || true)
  corpus=$(ls "$scratch/corpus/$t" 2>/dev/null | wc -l)
  echo "| $t | ${runs:-?} | ${rate:-?} | $crashes | $hangs | $leaks | $ooms | ${rss:-?} | $corpus |"
done
