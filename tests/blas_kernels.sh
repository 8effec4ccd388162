#!/usr/bin/env bash
# The OpenBLAS kernel fcsweep selects for this CPU gives the same training results, within
# float tolerance, as OpenBLAS's generic kernel (Prescott), and a user's OPENBLAS_CORETYPE
# always wins. Usage: blas_kernels.sh FCSWEEP DATA_DIR PYTHON3
set -euo pipefail
fc=$1 data=$2 py=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

auto=$(env -u OPENBLAS_CORETYPE "$fc" --version | grep '^BLAS')
forced=$(OPENBLAS_CORETYPE=Prescott "$fc" --version | grep '^BLAS')
echo "default: $auto"
echo "forced:  $forced"
grep -q "OpenBLAS Prescott kernels (OPENBLAS_CORETYPE=Prescott set by the user)" <<<"$forced"

args=(train --model fc --hidden-dims 64,32 --update-rule adam --learning-rate 1e-3
      --weight-scale 5e-2 --num-train 1000 --num-val 200 --num-test 200 --num-epochs 2
      --batch-size 100 --seed 5 --threads 1 --quiet --data "$data")
env -u OPENBLAS_CORETYPE "$fc" "${args[@]}" --save "$tmp/auto.h5" >/dev/null
OPENBLAS_CORETYPE=Prescott "$fc" "${args[@]}" --save "$tmp/generic.h5" >/dev/null
"$py" - "$tmp/auto.h5" "$tmp/generic.h5" <<'PY'
import sys
import h5py
import numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
la, lb = a["history/loss"][:], b["history/loss"][:]
assert la.shape == lb.shape == (20,), (la.shape, lb.shape)
err = np.max(np.abs(la - lb) / np.abs(lb))
print("loss histories: max relative difference %.2e over %d iterations" % (err, la.size))
assert err < 1e-4, err
for k in a["params"]:
    x, y = a["params"][k][:], b["params"][k][:]
    e = np.max(np.abs(x - y)) / max(np.max(np.abs(y)), 1e-30)
    print("%s: max |difference| / max |value| = %.2e" % (k, e))
    assert e < 1e-3, (k, e)
print("ok")
PY
