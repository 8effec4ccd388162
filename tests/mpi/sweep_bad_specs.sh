#!/bin/sh
# Bad specs and a missing data folder under 2 and 3 ranks: one message naming the key and
# line, a non-zero exit on every rank, and no hang (each run is bounded by timeout).
. "$(dirname "$0")/common.sh"
check() { # ranks, expected message, spec file, extra args...
    p=$1
    msg=$2
    spec=$3
    shift 3
    rc=0
    timeout 60 $MPIEXEC -n $p sh -c '"$0" sweep "$@"; echo "rank-exit $OMPI_COMM_WORLD_RANK $?"' \
        "$FCSWEEP" "$spec" --out "$WORK/out" "$@" >"$WORK/log" 2>&1 || rc=$?
    cat "$WORK/log"
    [ $rc = 124 ] && fail "hang with $p ranks on $spec"
    grep -q -- "$msg" "$WORK/log" || fail "no message '$msg' for $spec"
    [ "$(grep -c "rank-exit [0-9]* [1-9]" "$WORK/log")" = "$p" ] || fail "not every rank exited non-zero for $spec"
    [ "$(grep -c -- "$msg" "$WORK/log")" = 1 ] || fail "the message for $spec is printed more than once"
}
printf 'name: b\nmethod: grid\nparameters:\n  learning_rate: {values: [1.0e-3]}\n  weight_scal: {value: 1}\n' >"$WORK/unknown.yaml"
printf 'name: b\nmethod: grid\nparameters:\n  batch_size: {value: big}\n' >"$WORK/type.yaml"
printf 'name: b\nmethod: grid\nparameters:\n  reg: {values: []}\n' >"$WORK/empty.yaml"
printf 'name: b\nmethod: random\nrun_cap: 4\nparameters:\n  reg: {distribution: uniform, min: 1, max: 0}\n' >"$WORK/minmax.yaml"
printf 'name: b\nmethod: grid\nparameters:\n  dropout: {values: [0.5, 0]}\n' >"$WORK/core.yaml"
check 2 "unknown.yaml:5: weight_scal: unknown parameter" "$WORK/unknown.yaml"
check 3 "type.yaml:4: batch_size: expected an integer" "$WORK/type.yaml"
check 2 "empty.yaml:4: reg: 'values' is empty" "$WORK/empty.yaml"
check 3 "minmax.yaml:5: reg: min (1) > max (0)" "$WORK/minmax.yaml"
check 2 "core.yaml:4: dropout: value '0' is rejected" "$WORK/core.yaml"
check 2 "cannot open the sweep spec" "$WORK/missing.yaml"
check 3 "nodata/data_batch_1.bin" "$ROOT/sweeps/smoke.yaml" --data "$WORK/nodata"
echo PASS
