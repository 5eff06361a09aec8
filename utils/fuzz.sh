#!/usr/bin/env bash
# Fuzz dnn-mlir (docs/robustness.md): builds the sanitizer build
# (utils/sanitize.sh --build), seeds libFuzzer with every MLIR test input,
# fuzzes for the given time, logs the run to docs/data/fuzz-runs.csv, and
# turns every crash, timeout and out-of-memory input into a regression test
# under test/Fuzz/ (which fails until the bug is fixed).
#
#   utils/fuzz.sh [SECONDS] [JOBS]     default: 600 seconds, 1 job
#
# The corpus grown by earlier runs is kept in <build-san>/fuzz/corpus.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SECONDS_TO_RUN="${1:-600}"
JOBS="${2:-1}"
BUILD_DIR="${DNN_SAN_BUILD_DIR:-build-san}"
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac
WORK="$BUILD_DIR/fuzz"
LOG_CSV="$ROOT/docs/data/fuzz-runs.csv"

./utils/sanitize.sh --build
[[ -x "$BUILD_DIR/bin/dnn-fuzz" ]] ||
  { echo "fuzz.sh: $BUILD_DIR/bin/dnn-fuzz was not built" >&2; exit 1; }

mkdir -p "$WORK/corpus" "$WORK/artifacts"
# Fork mode starts the binary again for every job: fuzz a copy, so that a
# rebuild during the run does not change (or break) the fuzzer under it.
FUZZER="$WORK/dnn-fuzz"
cp "$BUILD_DIR/bin/dnn-fuzz" "$FUZZER"
rm -rf "$WORK/seeds" "$WORK/artifacts"/*
python3 utils/fuzz_seeds.py "$ROOT" "$WORK/seeds"

# A dictionary of the dialect's words: op names, attribute and keyword names.
{
  grep -ho 'DNN_[A-Za-z]*Op<"[a-z_0-9]*"' include/dnn/Dialect/DNN/IR/DNNOps.td |
    sed 's/.*<"\(.*\)"/"dnn.\1"/' || true
  grep -ho 'let mnemonic = "[a-z_0-9]*"' include/dnn/Dialect/DNN/IR/*.td |
    sed 's/let mnemonic = "\(.*\)"/"#dnn.\1"/' || true
  grep -ho '"dnn\.[a-z_]*"' include/dnn/Dialect/DNN/IR/DNNBase.td || true
  printf '"%s"\n' "dense_resource<" "dialect_resources" "tensor<" "xf32>" \
    "xf16>" "xbf16>" "xi32>" "0x04000000" "func.func" "return" "dense<" \
    "array<i64: " "-> (" "// -----"
} | sort -u >"$WORK/dnn.dict"

# The commit the fuzzer was built from ("-dirty": with uncommitted changes).
COMMIT="$(git rev-parse --short HEAD)"
git diff --quiet HEAD -- lib include tools || COMMIT="$COMMIT-dirty"
LOG="$WORK/run-$(date -u +%Y%m%dT%H%M%SZ).log"
echo "==> fuzzing for ${SECONDS_TO_RUN}s with $JOBS job(s); log: $LOG"
start=$(date +%s)
set +e
# -fork keeps fuzzing after a crash, timeout or OOM (each is saved to
# artifacts/); 30 s and 4 GiB per input are generous for modules of <= 64 KiB.
ASAN_OPTIONS="allow_user_poisoning=0:detect_leaks=0:${ASAN_OPTIONS:-}" \
"$FUZZER" "$WORK/corpus" "$WORK/seeds" \
  -dict="$WORK/dnn.dict" -max_total_time="$SECONDS_TO_RUN" -fork="$JOBS" \
  -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
  -timeout=30 -rss_limit_mb=4096 -max_len=65536 \
  -artifact_prefix="$WORK/artifacts/" -print_final_stats=1 >"$LOG" 2>&1
rc=$?
set -e
elapsed=$(( $(date +%s) - start ))

# The last status line of fork mode:
#   #N: cov: C ft: F corp: K exec/s: E oom/timeout/crash: a/b/c time: Ts ...
last="$(grep -E '^#[0-9]+: cov: ' "$LOG" | tail -1 || true)"
execs="$(sed -E 's/^#([0-9]+):.*/\1/' <<<"$last")"
cov="$(sed -E 's/.* cov: ([0-9]+).*/\1/' <<<"$last")"
ft="$(sed -E 's/.* ft: ([0-9]+).*/\1/' <<<"$last")"
corp="$(sed -E 's/.* corp: ([0-9]+).*/\1/' <<<"$last")"

shopt -s nullglob
artifacts=("$WORK"/artifacts/*)
shopt -u nullglob
new_tests=()
for a in "${artifacts[@]}"; do
  kind="$(basename "$a" | cut -d- -f1)"   # crash, timeout, oom, leak, slow-unit
  [[ "$kind" == slow ]] && continue
  sha="$(sha1sum "$a" | cut -c1-12)"
  name="$kind-$sha"
  [[ -f "test/Fuzz/$name.test" ]] && continue
  cp "$a" "test/Fuzz/Inputs/$name.mlir"
  cat >"test/Fuzz/$name.test" <<TEST
# Found by utils/fuzz.sh on $(date -u +%Y-%m-%d) ($kind). The input must be
# diagnosed or compiled: no crash, no hang, no unbounded memory.
RUN: timeout 120 dnn-fuzz-replay %S/Inputs/$name.mlir
TEST
  new_tests+=("test/Fuzz/$name.test")
done

mkdir -p "$(dirname "$LOG_CSV")"
[[ -f "$LOG_CSV" ]] || echo "date,seconds,jobs,executions,coverage,features,corpus,artifacts,commit" >"$LOG_CSV"
echo "$(date -u +%Y-%m-%d),$elapsed,$JOBS,${execs:-0},${cov:-0},${ft:-0},${corp:-0},${#artifacts[@]},$COMMIT" >>"$LOG_CSV"

echo "==> libFuzzer exited with $rc after ${elapsed}s: $last"
echo "==> logged to ${LOG_CSV#"$ROOT"/}"
if [[ ${#new_tests[@]} -gt 0 ]]; then
  echo "==> ${#new_tests[@]} new regression test(s); fix the bugs, then commit them:"
  printf '    %s\n' "${new_tests[@]}"
  exit 1
fi
echo "==> no new crashes"
