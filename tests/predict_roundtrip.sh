#!/usr/bin/env bash
# Round trip of fcsweep predict on the CIFAR-10 test split: a tiny model from
# `fcsweep train --save`, its test accuracy from `fcsweep eval`, and the accuracy of
# `fcsweep predict` on the same test images given as uint8 (N, 3, 32, 32), float32 (N, 3072)
# preprocessed and big-endian float64 preprocessed. All three must equal eval's accuracy.
# Also: the output is int64 (N,) for numpy, --zip holds prediction.npy, and a bad input
# (Fortran order, wrong shape) fails with a message and no output.
# usage: predict_roundtrip.sh FCSWEEP DATA_DIR PYTHON3 WORKDIR      (exit 77: skipped)
set -euo pipefail
FCSWEEP=$1 DATA=$2 PY=$3 WORK=$4
NTEST=1000
if [[ ! -f $DATA/test_batch.bin ]]; then
    echo "no CIFAR-10 at $DATA: skipped"; exit 77
fi
rm -rf "$WORK" && mkdir -p "$WORK"
cd "$WORK"

"$FCSWEEP" train --model fc --hidden-dims 100,50 --update-rule adam --learning-rate 1e-3 \
    --num-epochs 1 --num-train 2000 --num-val 500 --num-test $NTEST --seed 5 --threads 1 \
    --quiet --data "$DATA" --save model.h5
"$FCSWEEP" eval model.h5 --data "$DATA" | tee eval.txt
test_acc=$(sed -n 's/.*: val acc: [0-9.]*; test acc: \([0-9.]*\).*/\1/p' eval.txt | head -1)
[[ -n $test_acc ]] || { echo "FAIL: no test accuracy in eval's output"; exit 1; }

"$PY" - "$DATA" model.h5 $NTEST <<'PYEOF'
import sys
import h5py
import numpy as np
data, model, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
raw = np.fromfile(f"{data}/test_batch.bin", dtype=np.uint8).reshape(-1, 3073)[:n]
y, x = raw[:, 0].astype(np.int64), raw[:, 1:].reshape(n, 3, 32, 32)
np.save("labels.npy", y)
np.save("x_u8.npy", x)
mean = h5py.File(model, "r")["data/mean_image"][...].astype(np.float32)
xf = x.reshape(n, 3072).astype(np.float32) - mean
np.save("x_f4.npy", xf)
np.save("x_f8be.npy", xf.astype(">f8").reshape(n, 3, 32, 32))
np.save("x_fortran.npy", np.asfortranarray(xf))
np.save("x_nhwc.npy", np.ascontiguousarray(x.transpose(0, 2, 3, 1)))
PYEOF

fail=0
for input in x_u8 x_f4 x_f8be; do
    "$FCSWEEP" predict model.h5 --input $input.npy --out out_$input/phase_1/prediction.npy \
        --zip --batch 300 | tee predict_$input.txt
    "$PY" - out_$input $test_acc $NTEST <<'PYEOF' || fail=1
import sys, zipfile
import numpy as np
out, want, n = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
p = np.load(f"{out}/phase_1/prediction.npy")
assert p.dtype == np.int64 and p.shape == (n,), (p.dtype, p.shape)
assert p.min() >= 0 and p.max() < 10
acc = float((p == np.load("labels.npy")).mean())
names = zipfile.ZipFile(f"{out}/prediction_phase_1.zip").namelist()
assert names == ["prediction.npy"], names
print(f"{out}: predict accuracy {acc:.6f}, eval test accuracy {want:.6f}")
if abs(acc - want) > 1e-9:
    sys.exit(f"FAIL: {out}: predict accuracy {acc} != eval's {want}")
PYEOF
    grep -q "N = $NTEST" predict_$input.txt || { echo "FAIL: no 'N = $NTEST' line"; fail=1; }
    grep -q "airplane" predict_$input.txt || { echo "FAIL: no class histogram"; fail=1; }
done

for bad in x_fortran x_nhwc; do
    if "$FCSWEEP" predict model.h5 --input $bad.npy --out bad_$bad/p.npy 2> err_$bad.txt; then
        echo "FAIL: predict accepted $bad.npy"; fail=1
    fi
    cat err_$bad.txt
    grep -q "error:" err_$bad.txt || { echo "FAIL: no error message for $bad"; fail=1; }
    [[ ! -e bad_$bad/p.npy ]] || { echo "FAIL: output written for $bad"; fail=1; }
done
exit $fail
