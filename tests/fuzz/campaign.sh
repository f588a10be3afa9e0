#!/usr/bin/env bash
# A fuzz campaign (issue 14): each given libFuzzer target (default: every *_fuzz in the build)
# runs until RUNS executions or SECONDS of wall time, whichever comes first, from the
# committed corpus tests/fuzz/corpus/<name>/ plus a work dir; then `-merge=1` minimizes the
# committed corpus and the work dir back into tests/fuzz/corpus/<name>/ and one summary line
# per target goes to the results file (docs/reliability.md's "Fuzz campaigns" table is filled
# from it).
#
#   tests/fuzz/campaign.sh [-b BUILD_DIR] [-r RUNS] [-t SECONDS] [-o RESULTS] [-w WORK_DIR]
#                          [-s SEED] [-n] [TARGET...]
#
#   -b  the fuzz build (default build-fuzz; configure it as docs/testing.md says)
#   -r  executions per target (default 10000000)
#   -t  seconds per target (default 3600)
#   -o  results file, appended to (default WORK_DIR/results.txt)
#   -w  work dir (default build-fuzz/campaign): per target a corpus dir that survives between
#       campaigns (so a campaign can be resumed), the run's log and the artifacts
#   -s  libFuzzer -seed (default: libFuzzer picks one and logs it)
#   -n  no merge: leave tests/fuzz/corpus/ untouched (a measurement run)
#   TARGET: names without the _fuzz suffix (ike_message, esp_decap, ...)
#
# Run it at low priority on a shared machine (`nice -n 19 tests/fuzz/campaign.sh ...`).
# A crash, leak, timeout or out-of-memory stops that target (libFuzzer's behaviour): the input
# is kept in WORK_DIR/<name>/artifacts/ (crash-*, leak-*, timeout-*, oom-*), counted in the
# summary and listed on stderr; the script goes on with the next target and exits 1 at the end.
# Nothing is deleted but the previous merged corpus it replaces.
#
# Summary line (one per target, space-separated key=value):
#   target runs time_s exec_per_s cov ft corpus_before=files/bytes corpus_after=files/bytes
#   crashes limits=RUNS/SECONDS stop=runs|time|crash|interrupted|error goal=met|short
# cov/ft are libFuzzer's last status line (the edges and features the run reached); goal=met
# only when the run did 10M executions or 3600 s, the campaign's bar, whatever -r/-t said.
set -euo pipefail
cd "$(dirname "$0")/../.."

BUILD=build-fuzz
RUNS=10000000
SECONDS_PER_TARGET=3600
RESULTS=""
WORK=""
SEED=""
MERGE=1
while getopts "b:r:t:o:w:s:n" opt; do
  case $opt in
    b) BUILD=$OPTARG ;;
    r) RUNS=$OPTARG ;;
    t) SECONDS_PER_TARGET=$OPTARG ;;
    o) RESULTS=$OPTARG ;;
    w) WORK=$OPTARG ;;
    s) SEED=$OPTARG ;;
    n) MERGE=0 ;;
    *) sed -n '2,30p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
WORK=${WORK:-$BUILD/campaign}
RESULTS=${RESULTS:-$WORK/results.txt}
mkdir -p "$WORK"

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for bin in "$BUILD"/bin/*_fuzz; do targets+=("$(basename "$bin" _fuzz)"); done
fi

# files_bytes DIR: "files/bytes" of the regular files in DIR (0/0 when it does not exist).
files_bytes() {
  if [ ! -d "$1" ]; then echo 0/0; return; fi
  find "$1" -maxdepth 1 -type f -printf '%s\n' | awk '{n++; s+=$1} END {printf "%d/%d", n, s}'
}

failed=0
for name in "${targets[@]}"; do
  bin=$BUILD/bin/${name}_fuzz
  if [ ! -x "$bin" ]; then
    echo "campaign: $bin not built" >&2
    echo "$name stop=error reason=not-built" >>"$RESULTS"
    failed=1
    continue
  fi
  corpus=tests/fuzz/corpus/$name
  dir=$WORK/$name
  mkdir -p "$corpus" "$dir/corpus" "$dir/artifacts"
  log=$dir/run.log
  before=$(files_bytes "$corpus")
  args=(-runs="$RUNS" -max_total_time="$SECONDS_PER_TARGET" -print_final_stats=1 -timeout=25
        -rss_limit_mb=2048 -artifact_prefix="$dir/artifacts/")
  [ -n "$SEED" ] && args+=(-seed="$SEED")
  [ -f "tests/fuzz/$name.dict" ] && args+=(-dict="tests/fuzz/$name.dict")
  echo "campaign: $name (${RUNS} runs or ${SECONDS_PER_TARGET} s) -> $log" >&2
  crashes_before=$(find "$dir/artifacts" -type f | wc -l)
  start=$(date +%s)
  rc=0
  # New inputs go into the first dir (the work dir); the committed corpus is only read.
  "$bin" "${args[@]}" "$dir/corpus" "$corpus" >"$log" 2>&1 || rc=$?
  elapsed=$(($(date +%s) - start))

  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  status_line=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$status_line")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$status_line")
  crashes=$(($(find "$dir/artifacts" -type f | wc -l) - crashes_before))

  if [ "$crashes" -gt 0 ]; then
    stop=crash
  elif grep -q 'run interrupted' "$log"; then
    stop=interrupted
  elif [ "$rc" -ne 0 ]; then
    stop=error
  elif [ -n "$runs" ] && [ "$runs" -ge "$RUNS" ]; then
    stop=runs
  else
    stop=time
  fi
  goal=short
  if [ "${runs:-0}" -ge 10000000 ] || [ "$elapsed" -ge 3600 ]; then goal=met; fi

  if [ "$MERGE" -eq 1 ] && [ "$stop" != error ]; then
    # Minimize the committed corpus and what this run found into a fresh dir, then replace
    # the committed corpus with it (only once the merge succeeded).
    merged=$dir/merged
    rm -rf "$merged"
    mkdir -p "$merged"
    if "$bin" -merge=1 -timeout=25 -rss_limit_mb=2048 -artifact_prefix="$dir/artifacts/" \
        "$merged" "$corpus" "$dir/corpus" >"$dir/merge.log" 2>&1 &&
        [ -n "$(ls -A "$merged")" ]; then
      find "$corpus" -maxdepth 1 -type f -delete
      cp "$merged"/* "$corpus"/
    else
      echo "campaign: $name merge failed (see $dir/merge.log); corpus left as it was" >&2
      failed=1
    fi
  fi
  after=$(files_bytes "$corpus")

  line="$name runs=${runs:-0} time_s=$elapsed exec_per_s=${eps:-0} cov=${cov:-?} ft=${ft:-?}"
  line+=" corpus_before=$before corpus_after=$after crashes=$crashes"
  line+=" limits=$RUNS/$SECONDS_PER_TARGET stop=$stop goal=$goal"
  echo "$line" | tee -a "$RESULTS"
  if [ "$crashes" -gt 0 ] || [ "$stop" = error ]; then
    failed=1
    find "$dir/artifacts" -type f | sed "s/^/campaign: $name artifact: /" >&2
  fi
done
exit "$failed"
