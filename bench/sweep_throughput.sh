#!/bin/sh
# Sweep throughput: trials per minute on a fixed grid of 16 equal-cost trials with 1 rank
# and with 2 ranks (each run REPEAT times, alternating), the ratio of the mean throughputs,
# and each rank's peak RSS (as the sweep reports it, from getrusage).
#
#   bench/sweep_throughput.sh [FCSWEEP] [DATA_DIR]
#     FCSWEEP   default build/src/fcsweep;  DATA_DIR default $CIFAR10_DIR or data/cifar-10-batches-bin
#   environment: GRID=two (default: TwoLayerNet H=100, sgd, 10000 images, 5 epochs) or
#                GRID=deep ([300,200,150,80,50], adam, 5000 images, 3 epochs);
#                RANKS="1 2" (default), REPEAT=2 (default); WAIT_IDLE=120: seconds to wait
#                before a run for the other processes to use under 10% of the CPU;
#                CEILING=1: also run two independent 1-rank sweeps at once, for reference
#
# Time per run: the training phase the sweep reports ("N trials this run in X s": from the
# first hand-out to the last result, after every rank has loaded the data); wall: the whole
# mpiexec. The machine must be otherwise idle: with P ranks on P cores every core trains,
# so other load shows up directly in the ratio (busy_before: CPU used by others in the
# second before each run). For reference the script also sums each rank's solver seconds:
# if they grow with 2 ranks, the cores slow each other down (shared caches and memory
# bandwidth), which no work distribution can avoid.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FCSWEEP=${1:-$ROOT/build/src/fcsweep}
DATA=${2:-${CIFAR10_DIR:-$ROOT/data/cifar-10-batches-bin}}
GRID=${GRID:-two}
RANKS=${RANKS:-1 2}
REPEAT=${REPEAT:-2}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
WORK=$(mktemp -d /tmp/fcsweep_bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
LRS="[1.0e-4, 2.0e-4, 3.0e-4, 5.0e-4, 7.0e-4, 1.0e-3, 2.0e-3, 3.0e-3]"
if [ "$GRID" = deep ]; then
    DESC="[300,200,150,80,50] adam, 5000 images, 3 epochs"
    cat >"$WORK/bench.yaml" <<EOS
name: bench
method: grid
seed: 1
data: {num_train: 5000, num_val: 500, num_test: 100}
parameters:
  hidden_dims:   {value: [300, 200, 150, 80, 50]}
  update_rule:   {value: adam}
  learning_rate: {values: $LRS}
  weight_scale:  {values: [0.02, 0.03]}
  num_epochs:    {value: 3}
  batch_size:    {value: 100}
EOS
else
    DESC="TwoLayerNet H=100 sgd, 10000 images, 5 epochs"
    cat >"$WORK/bench.yaml" <<EOS
name: bench
method: grid
seed: 1
data: {num_train: 10000, num_val: 500, num_test: 100}
parameters:
  model:         {value: two}
  hidden_dims:   {value: [100]}
  update_rule:   {value: sgd}
  learning_rate: {values: $LRS}
  weight_scale:  {values: [0.001, 0.002]}
  num_epochs:    {value: 5}
  batch_size:    {value: 100}
EOS
fi

# Busy share of all cores over one second (from /proc/stat).
busy() {
    a=$(head -1 /proc/stat)
    sleep 1
    b=$(head -1 /proc/stat)
    printf '%s\n%s\n' "$a" "$b" | awk '{ idle = $5 + $6; tot = 0; for (i = 2; i <= NF; i++) tot += $i;
        if (NR == 1) { i0 = idle; t0 = tot } else printf "%.0f%%", 100 * (1 - (idle - i0) / (tot - t0)) }'
}

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $FCSWEEP on $DATA"
echo "grid: 16 trials of $DESC"
printf '%5s %6s %8s %7s %10s %5s %13s  %s\n' ranks trials train_s wall_s trials/min busy solver_s/rank "peak RSS per rank"
: >"$WORK/results"
r=0
while [ $r -lt "$REPEAT" ]; do
    for p in $RANKS; do
        pre=$(busy)
        waited=0
        while [ "${pre%\%}" -gt 10 ] && [ $waited -lt "${WAIT_IDLE:-120}" ]; do # others are busy: wait a bit
            sleep 4
            waited=$((waited + 5))
            pre=$(busy)
        done
        rm -rf "$WORK/out"
        t0=$(date +%s.%N)
        mpiexec --oversubscribe --allow-run-as-root -n "$p" "$FCSWEEP" sweep "$WORK/bench.yaml" \
            --out "$WORK/out" --data "$DATA" >"$WORK/log" 2>&1 || { cat "$WORK/log"; exit 1; }
        t1=$(date +%s.%N)
        line=$(grep "^sweep: " "$WORK/log")
        n=$(echo "$line" | sed 's/^sweep: \([0-9]*\) trials this run in \([0-9.]*\) s.*/\1/')
        secs=$(echo "$line" | sed 's/^sweep: \([0-9]*\) trials this run in \([0-9.]*\) s.*/\2/')
        rss=$(sed -n 's/^peak RSS per rank: //p' "$WORK/log")
        solver=$(grep -o 'ep [0-9]*  [0-9.]*s  rank [0-9]*' "$WORK/log" |
            awk '{ s[$5] += $3 } END { for (k in s) printf "%s%.1f", (n++ ? "/" : ""), s[k] }')
        tpm=$(echo "$n $secs" | awk '{ printf "%.2f", 60 * $1 / $2 }')
        wall=$(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }')
        printf '%5s %6s %8s %7s %10s %5s %13s  %s\n' "$p" "$n" "$secs" "$wall" "$tpm" "$pre" "$solver" "$rss"
        echo "$p $tpm" >>"$WORK/results"
    done
    r=$((r + 1))
done
if [ "${CEILING:-1}" = 1 ]; then
    # Reference: two independent 1-rank sweeps at once (no coordination between them at all):
    # their combined throughput is what this machine gives two single-threaded trainers.
    pre=$(busy)
    rm -rf "$WORK/outa" "$WORK/outb"
    mpiexec --allow-run-as-root --bind-to none -n 1 "$FCSWEEP" sweep "$WORK/bench.yaml" --out "$WORK/outa" \
        --data "$DATA" >"$WORK/loga" 2>&1 &
    pa=$!
    mpiexec --allow-run-as-root --bind-to none -n 1 "$FCSWEEP" sweep "$WORK/bench.yaml" --out "$WORK/outb" \
        --data "$DATA" >"$WORK/logb" 2>&1
    wait $pa
    cat "$WORK/loga" "$WORK/logb" | grep "^sweep: " |
        sed 's/^sweep: \([0-9]*\) trials this run in \([0-9.]*\) s.*/\1 \2/' |
        awk -v pre="$pre" '{ t += 60 * $1 / $2 } END { printf "reference: two independent 1-rank sweeps at once: %.2f trials/min together (busy %s)\n", t, pre }'
fi
awk '{ s[$1] += $2; n[$1]++; if (!first) first = $1; last = $1 }
     END { a = s[first] / n[first]; b = s[last] / n[last];
           printf "mean trials/min: %s rank(s) %.2f, %s ranks %.2f; ratio %.2fx\n", first, a, last, b, b / a }' \
    "$WORK/results"
