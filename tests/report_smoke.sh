#!/bin/sh
# fcsweep report on real sweeps, and fcsweep predict on a sweep folder:
#  - the smoke grid sweep (2 ranks): index.md, report.md, trials.csv, trial_NNNN.png of the
#    top 5, hparams.png, heatmap.png; every PNG non-empty with the PNG signature and shown
#    in index.md; one CSV row per trial;
#  - a tiny random sweep over two update rules with a diverging learning-rate range:
#    hparams.png (scatter), rules.png, diverged trials listed;
#  - one model file (as from train --save): training.png;
#  - a folder of trial files without sweep.h5: read by scanning the files;
#  - predict on the sweep folder uses the best trial the sweep names, --trial another.
# usage: report_smoke.sh FCSWEEP ROOT DATA_DIR          (exit 77: skipped)
set -eu
FCSWEEP=$1 ROOT=$2 DATA=$3
[ -f "$DATA/data_batch_1.bin" ] || { echo "skip: no CIFAR-10 in $DATA"; exit 77; }
command -v mpiexec >/dev/null 2>&1 || { echo "skip: no mpiexec"; exit 77; }
command -v gnuplot >/dev/null 2>&1 || { echo "FAIL: gnuplot not installed (apt-get install gnuplot-nox)"; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
export CIFAR10_DIR="$DATA"
MPIEXEC="mpiexec --oversubscribe --allow-run-as-root"
WORK=$(mktemp -d /tmp/fcsweep_report.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# check_png FILE: exists, non-empty, PNG signature
check_png() {
    [ -s "$1" ] || fail "$1 missing or empty"
    sig=$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')
    [ "$sig" = 89504e470d0a1a0a ] || fail "$1 is not a PNG (signature $sig)"
}
# check_report DIR PNG...: the tables and index plus every named PNG, each shown in index.md
check_report() {
    dir=$1; shift
    for f in index.md report.md trials.csv gnuplot/plots.gp; do
        [ -s "$dir/$f" ] || fail "$dir/$f missing or empty"
    done
    for png in "$@"; do
        check_png "$dir/$png"
        grep -q "($png)" "$dir/index.md" || fail "index.md does not show $png"
    done
    grep -q "^| rank" "$dir/index.md" || fail "index.md has no table"
}

# --- grid: the smoke sweep
$MPIEXEC -n 2 "$FCSWEEP" sweep "$ROOT/sweeps/smoke.yaml" --out "$WORK/smoke" >"$WORK/sweep.log" 2>&1 ||
    { cat "$WORK/sweep.log"; fail "smoke sweep failed"; }
"$FCSWEEP" report "$WORK/smoke" >"$WORK/report.log" 2>&1 || { cat "$WORK/report.log"; fail "report failed"; }
cat "$WORK/report.log"
r="$WORK/smoke/report"
pngs=$(cd "$r" && ls trial_*.png)
[ "$(echo "$pngs" | wc -l)" = 5 ] || fail "expected 5 trial figures, got: $pngs"
check_report "$r" $pngs hparams.png heatmap.png
[ "$(wc -l <"$r/trials.csv")" = 7 ] || fail "trials.csv should have a header and 6 rows"
best=$(sed -n 's/^best trial \([0-9]*\): val.*/\1/p' "$WORK/sweep.log")
grep -q "^best trial: $best," "$WORK/report.log" || fail "report's best trial is not the sweep's ($best)"
[ -f "$r/trial_$(printf %04d "$best").png" ] || fail "no figure for the best trial $best"
head -1 "$r/trials.csv" | grep -q "^rank,id,status,best_val_acc" || fail "trials.csv header"

# --- random search, two rules, some learning rates diverge
cat >"$WORK/rand.yaml" <<EOS
name: rand
method: random
seed: 11
run_cap: 10
data: {num_train: 400, num_val: 100, num_test: 100}
parameters:
  hidden_dims:   {value: [40]}
  update_rule:   {values: [sgd, adam]}
  learning_rate: {distribution: log_uniform_values, min: 1.0e-4, max: 3.0}
  weight_scale:  {distribution: log_uniform_values, min: 1.0e-3, max: 1.0e-1}
  num_epochs:    {value: 2}
  batch_size:    {value: 50}
EOS
$MPIEXEC -n 2 "$FCSWEEP" sweep "$WORK/rand.yaml" --out "$WORK/rand" >"$WORK/rand.log" 2>&1 ||
    { cat "$WORK/rand.log"; fail "random sweep failed"; }
"$FCSWEEP" report "$WORK/rand" --top 2 >"$WORK/rreport.log" 2>&1 || { cat "$WORK/rreport.log"; fail "report (random) failed"; }
cat "$WORK/rreport.log"
r="$WORK/rand/report"
check_report "$r" $(cd "$r" && ls trial_*.png) hparams.png rules.png
[ ! -e "$r/heatmap.png" ] || fail "a random search got a heat map"
[ "$(cd "$r" && ls trial_*.png | wc -l)" = 2 ] || fail "--top 2 gave another number of figures"
grep -q "random search" "$WORK/rreport.log" || fail "not recognised as random search"

# --- one model file
"$FCSWEEP" report "$WORK/smoke/trial_0000.h5" --out "$WORK/single" >"$WORK/single.log" 2>&1 ||
    { cat "$WORK/single.log"; fail "report of a model file failed"; }
check_report "$WORK/single" training.png
grep -q "| learning_rate |" "$WORK/single/report.md" || fail "no config table for a model file"

# --- trial files without sweep.h5
mkdir "$WORK/loose"
cp "$WORK"/smoke/trial_*.h5 "$WORK/loose/"
"$FCSWEEP" report "$WORK/loose" >"$WORK/loose.log" 2>&1 || { cat "$WORK/loose.log"; fail "report without sweep.h5 failed"; }
grep -q "read from trial files" "$WORK/loose.log" || fail "did not fall back to the trial files"
grep -q "^best trial: $best," "$WORK/loose.log" || fail "fallback found another best trial"
check_report "$WORK/loose/report" hparams.png

# --- predict on the sweep folder: 20 raw images as a (20, 3072) uint8 .npy, header by hand
{
    printf '\223NUMPY\001\000\166\000'
    printf "%-117s\n" "{'descr': '|u1', 'fortran_order': False, 'shape': (20, 3072), }"
    head -c 61440 "$DATA/data_batch_1.bin"
} >"$WORK/x.npy"
"$FCSWEEP" predict "$WORK/smoke" --input "$WORK/x.npy" --out "$WORK/p/prediction.npy" >"$WORK/p.log" 2>&1 ||
    { cat "$WORK/p.log"; fail "predict on the sweep folder failed"; }
cat "$WORK/p.log"
grep -q "^trial      $best " "$WORK/p.log" || fail "predict did not use the best trial $best"
[ "$(wc -c <"$WORK/p/prediction.npy")" = $((128 + 160)) ] || fail "prediction.npy has the wrong size"
other=$(( (best + 1) % 6 ))
"$FCSWEEP" predict "$WORK/smoke" --trial $other --input "$WORK/x.npy" --out "$WORK/p2.npy" >"$WORK/p2.log" 2>&1 ||
    { cat "$WORK/p2.log"; fail "predict --trial failed"; }
grep -q "^trial      $other " "$WORK/p2.log" || fail "--trial $other not used"
if "$FCSWEEP" predict "$WORK/smoke" --trial 99 --input "$WORK/x.npy" --out "$WORK/p3.npy" 2>"$WORK/p3.err"; then
    fail "predict accepted a trial that does not exist"
fi
grep -q "no trial 99" "$WORK/p3.err" || fail "no message for a missing trial"
echo PASS
