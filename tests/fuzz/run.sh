#!/usr/bin/env bash
# Runs every libFuzzer harness for SECONDS on a copy of its seed corpus (new inputs stay in the
# build folder, not in the repository), with its dictionary, and prints how many inputs each
# executed. Exits 1 if any harness found a crash, a leak, a timeout or an out-of-memory; the
# input is left in ARTIFACTS (default: the build folder's artifacts/) to become a regression seed.
#
# usage: tests/fuzz/run.sh BUILD_DIR_OF_THE_HARNESSES SECONDS
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(cd "$1" && pwd)
seconds=$2
work=$bin/work
mkdir -p "$work" "$bin/artifacts"
declare -A max_len=([npy]=4096 [npz]=8192 [safetensors]=4096 [session]=4096 [lessons]=65536 [csv]=8192 [cli]=1024)
failed=0
for name in npy npz safetensors session lessons csv cli; do
  corpus=$work/$name
  mkdir -p "$corpus"
  args=(-max_total_time="$seconds" -max_len="${max_len[$name]}" -timeout=10 -rss_limit_mb=2048
        -print_final_stats=1 -artifact_prefix="$bin/artifacts/$name-")
  [[ -f $here/$name.dict ]] && args+=(-dict="$here/$name.dict")
  log=$work/$name.log
  # UBSan reports end the run (-fno-sanitize-recover); leaks are checked by ASan at exit.
  UBSAN_OPTIONS=print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
    "$bin/fuzz_$name" "${args[@]}" "$corpus" "$here/corpus/$name" >"$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  coverage=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  if [[ $rc -eq 0 ]]; then
    printf 'fuzz_%-11s %10s inputs in %s s, %s, corpus %s files: clean\n' "$name" "${runs:-?}" "$seconds" \
      "${coverage:-cov: ?}" "$(ls "$corpus" | wc -l)"
  else
    failed=1
    printf 'fuzz_%-11s FAILED (exit %d): %s\n' "$name" "$rc" "$(grep -m1 -E 'ERROR|runtime error|invariant' "$log")"
    echo "  input kept: $(ls -t "$bin/artifacts/$name-"* 2>/dev/null | head -1); log: $log"
  fi
done
exit $failed
