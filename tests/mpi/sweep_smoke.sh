#!/bin/sh
# A 2-rank smoke sweep completes; sweep.h5 lists and links every trial; the best trial's
# file passes `fcsweep eval`; a second run finds everything done and trains nothing.
. "$(dirname "$0")/common.sh"
out="$WORK/out"
$MPIEXEC -n 2 "$FCSWEEP" sweep "$ROOT/sweeps/smoke.yaml" --out "$out" >"$WORK/log" 2>&1 || { cat "$WORK/log"; fail "sweep failed"; }
cat "$WORK/log"
grep -q "6 of 6 done" "$WORK/log" || fail "not all 6 trials done"
n=$(h5ls "$out/sweep.h5/trials" | grep -c "External Link")
[ "$n" = 6 ] || fail "sweep.h5 links $n trials, expected 6"
h5dump -d /summary "$out/sweep.h5" >"$WORK/summary.txt" || fail "h5dump cannot read /summary"
grep -q "DATASPACE  SIMPLE { ( 6 ) / ( 6 ) }" "$WORK/summary.txt" || fail "summary does not have 6 rows"
[ "$(grep -c '"ok"' "$WORK/summary.txt")" = 6 ] || fail "not every row is ok"
best=$(sed -n 's/^best trial [0-9]*: val [0-9.]*: //p' "$WORK/log")
[ -f "$best" ] || fail "best trial file '$best' missing"
"$FCSWEEP" eval "$best" >"$WORK/eval" 2>&1 || { cat "$WORK/eval"; fail "eval failed on $best"; }
cat "$WORK/eval"
# the links resolve from another working directory
(cd / && h5dump -a /trials/trial_0000/config/learning_rate "$out/sweep.h5" >/dev/null 2>&1) ||
    (cd / && h5ls -r "$out/sweep.h5/trials/trial_0000" >/dev/null) || fail "external link does not resolve"
# rerun: nothing left to train
$MPIEXEC -n 2 "$FCSWEEP" sweep "$ROOT/sweeps/smoke.yaml" --out "$out" >"$WORK/log2" 2>&1 || { cat "$WORK/log2"; fail "rerun failed"; }
grep -q "6 of 6 trials already done" "$WORK/log2" || { cat "$WORK/log2"; fail "rerun did not find the trials done"; }
grep -q "0 trials this run" "$WORK/log2" || fail "rerun trained again"
# a diverging trial is recorded as diverged and the sweep goes on
cat >"$WORK/diverge.yaml" <<EOS
name: diverge
method: grid
data: {num_train: 400, num_val: 100, num_test: 100}
parameters:
  hidden_dims:   {value: [50]}
  update_rule:   {value: sgd}
  learning_rate: {values: [1.0e-3, 1.0e+4, 2.0e-3]}
  num_epochs:    {value: 2}
  batch_size:    {value: 50}
EOS
$MPIEXEC -n 2 "$FCSWEEP" sweep "$WORK/diverge.yaml" --out "$WORK/div" >"$WORK/logd" 2>&1 || { cat "$WORK/logd"; fail "sweep with a diverging trial failed"; }
cat "$WORK/logd"
grep -q "trial 1 .* diverged" "$WORK/logd" || fail "trial 1 not reported as diverged"
grep -q "3 of 3 done" "$WORK/logd" || fail "the sweep did not go on after the diverged trial"
h5dump -d /summary "$WORK/div/sweep.h5" | grep -q '"diverged"' || fail "sweep.h5 does not record the diverged trial"
# the same folder with another spec is refused, on every rank, before any training
sed 's/1.0e-2\]/2.0e-2]/' "$ROOT/sweeps/smoke.yaml" >"$WORK/changed.yaml"
rc=0
$MPIEXEC -n 2 "$FCSWEEP" sweep "$WORK/changed.yaml" --out "$out" >"$WORK/log3" 2>&1 || rc=$?
cat "$WORK/log3"
[ $rc != 0 ] || fail "a changed spec was accepted for the same results folder"
grep -q "holds results of a different spec (trial 2: learning_rate is 0.01 there, 0.02" "$WORK/log3" ||
    fail "no clear message for a changed spec"
echo PASS
