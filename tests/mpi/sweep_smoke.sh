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
echo PASS
