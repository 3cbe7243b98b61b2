#!/usr/bin/env bash
# Distributed KernelSHAP speed-up: `glassbox explain` on MNIST test rows run locally, on 1 worker, on 2 worker processes
# (default kernel threads, and --threads 1 each as two one-core machines would be), on 1 worker with --concurrency 2,
# and on 2 workers one of which is SIGKILLed at 40% of the rows and replaced at once (CONFIGS="local one1 ..." picks some);
# wall time of the whole command, each configuration repeated (interleaved), with the load average, and whether each
# result is identical to the local one. Needs `npm run build` and redis-server.
#   bash scripts/bench-distributed.sh [ROWS=400] [REPEATS=2]
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-400}
REPEATS=${2:-2}
GB="node dist/cli/main.js"
WORK=$(mktemp -d)
PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
URL="redis://127.0.0.1:$PORT"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --logfile "$WORK/redis.log" &
PIDS+=($!)
sleep 0.5
MODEL=${MODEL:-$WORK/model}
[ -f "$MODEL/model.json" ] || $GB train --data mnist --epochs 2 --train-limit 10000 --test-limit 1000 --out "$MODEL" >/dev/null 2>&1
EXPLAIN=(explain --model "$MODEL" --data mnist --method kernel-shap --rows "0:$ROWS" --format none --json)

# Runs the explanation with the given workers (each an argument list for `glassbox worker`); prints seconds.
run() {
  local name=$1; shift
  local wpids=()
  for args in "$@"; do
    # shellcheck disable=SC2086
    $GB worker --redis "$URL" $args 2>"$WORK/worker-$name-${#wpids[@]}.log" &
    wpids+=($!)
  done
  for i in "${!wpids[@]}"; do
    until grep -q 'waiting for jobs' "$WORK/worker-$name-$i.log" 2>/dev/null; do sleep 0.1; done
  done
  local extra=()
  [ ${#wpids[@]} -gt 0 ] && extra=(--redis "$URL")
  local t0 t1
  t0=$(date +%s.%N)
  $GB "${EXPLAIN[@]}" --out "$WORK/$name.html" "${extra[@]}" 2>/dev/null | tail -1 | node -e "
    let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const j=JSON.parse(s);delete j.report;require('fs').writeFileSync('$WORK/$name.json',JSON.stringify(j))})"
  t1=$(date +%s.%N)
  for p in "${wpids[@]}"; do kill "$p"; wait "$p" 2>/dev/null || true; done
  echo "$t0 $t1" | awk '{printf "%.1f", $2 - $1}'
}

# Two workers (name, then extra worker flags); when the progress line passes 40% the first is SIGKILLed and a fresh one started; prints seconds.
run_kill() {
  local name=$1; shift
  # shellcheck disable=SC2068
  $GB worker --redis "$URL" $@ 2>"$WORK/worker-$name-0.log" &
  local a=$!
  # shellcheck disable=SC2068
  $GB worker --redis "$URL" $@ 2>"$WORK/worker-$name-1.log" &
  local b=$!
  until grep -q 'waiting for jobs' "$WORK/worker-$name-0.log" 2>/dev/null && grep -q 'waiting for jobs' "$WORK/worker-$name-1.log" 2>/dev/null; do sleep 0.1; done
  local t0 t1
  t0=$(date +%s.%N)
  ($GB "${EXPLAIN[@]}" --out "$WORK/$name.html" --redis "$URL" 2>"$WORK/$name-submit.log" | tail -1 | node -e "
    let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const j=JSON.parse(s);delete j.report;require('fs').writeFileSync('$WORK/$name.json',JSON.stringify(j))})") &
  local submit=$!
  until awk -F'[ /]' -v n="$ROWS" '/on workers:/ { if ($(NF-1) * 10 >= 4 * n) hit = 1 } END { exit !hit }' "$WORK/$name-submit.log" 2>/dev/null; do sleep 0.2; done
  kill -9 "$a"
  # shellcheck disable=SC2068
  $GB worker --redis "$URL" $@ 2>"$WORK/worker-$name-2.log" &
  local c=$!
  wait "$submit"
  t1=$(date +%s.%N)
  for p in "$b" "$c"; do kill "$p"; wait "$p" 2>/dev/null || true; done
  wait "$a" 2>/dev/null || true
  echo "$t0 $t1" | awk '{printf "%.1f", $2 - $1}'
}

same() { cmp -s "$WORK/local.json" "$WORK/$1.json" && echo identical || echo DIFFERENT; }

echo "KernelSHAP, $ROWS MNIST test rows (4x4 patches, 100 background rows, default samples); $(nproc) cores; node $(node --version)"
CONFIGS=${CONFIGS:-local one two one1 two1 conc kill kill1}
declare -A LABEL=([local]="local (no Redis)" [one]="1 worker" [two]="2 workers" [one1]="1 worker --threads 1" [two1]="2 workers --threads 1" [conc]="1 worker --concurrency 2" [kill1]="2 workers --threads 1, one SIGKILLed at 40% and replaced" [kill]="2 workers, one SIGKILLed at 40% and replaced")
declare -A TIMES
run_config() {
  case $1 in
    local) run local ;;
    one) run one "" ;;
    two) run two "" "" ;;
    one1) run one1 "--threads 1" ;;
    two1) run two1 "--threads 1" "--threads 1" ;;
    conc) run conc "--concurrency 2" ;;
    kill) run_kill kill ;;
    kill1) run_kill kill1 --threads 1 ;;
  esac
}
for rep in $(seq 1 "$REPEATS"); do
  echo "repeat $rep (load average $(cut -d' ' -f1-3 /proc/loadavg)):"
  for c in $CONFIGS; do
    t=$(run_config "$c")
    TIMES[$c]="${TIMES[$c]:-} $t"
    check=""
    [ "$c" != local ] && [ -f "$WORK/local.json" ] && check=" ($(same "$c") to the local result)"
    echo "  ${LABEL[$c]}: ${t}s$check; load average after $(cut -d' ' -f1-3 /proc/loadavg)"
  done
done
echo "summary (seconds: median, minimum over $REPEATS):"
for c in $CONFIGS; do
  echo "  ${LABEL[$c]}: $(echo "${TIMES[$c]}" | tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {m = NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.1f, %.1f", m, a[1]}')"
done
