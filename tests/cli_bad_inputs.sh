#!/usr/bin/env bash
# Bad inputs to the fcsweep CLI: each must fail with a non-zero exit and one clear message
# naming the problem, never crash (exit >= 128) or hang.
# Usage: cli_bad_inputs.sh FCSWEEP DATA_DIR
set -u
fc=$1
data=$(cd "$2" 2>/dev/null && pwd || echo "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

# expect_fail PATTERN CMD...: non-zero, < 128, and stderr+stdout matching PATTERN
expect_fail() {
    local pat=$1
    shift
    local out rc
    out=$(timeout 60 "$@" 2>&1)
    rc=$?
    if [ "$rc" -eq 0 ] || [ "$rc" -ge 124 ] || ! grep -qE -- "$pat" <<<"$out"; then
        echo "FAIL: $* -> rc=$rc, output:"
        echo "$out" | sed 's/^/    /'
        fails=$((fails + 1))
    else
        echo "ok:   $* -> rc=$rc: $(grep -E -- "$pat" <<<"$out" | head -1)"
    fi
}

expect_fail "update_rule.*unknown value 'adagrad'" "$fc" train --update-rule adagrad --data "$data"
expect_fail "hidden_dims.*between 1 and 65536" "$fc" train --model fc --hidden-dims 100,0 --data "$data"
expect_fail "dropout.*keep probability.*\(0, 1\]" "$fc" train --dropout 0 --data "$data"
expect_fail "dropout.*keep probability.*\(0, 1\]" "$fc" train --dropout 1.5 --data "$data"
expect_fail "learning_rate.*must be > 0" "$fc" train --learning-rate -1e-3 --data "$data"
expect_fail "learning_rate.*not a finite number" "$fc" train --learning-rate fast --data "$data"
expect_fail "unknown option '--learning-rat'" "$fc" train --learning-rat 1e-3 --data "$data"
expect_fail "needs a value" "$fc" train --num-epochs
expect_fail "unknown command" "$fc" frobnicate

# data: missing folder, truncated file
expect_fail "data_batch_1.bin" "$fc" train --data "$tmp/nowhere" --num-epochs 1
mkdir -p "$tmp/trunc"
for f in data_batch_1 data_batch_2 data_batch_3 data_batch_4 data_batch_5 test_batch; do
    ln -s "$data/$f.bin" "$tmp/trunc/$f.bin"
done
rm "$tmp/trunc/data_batch_3.bin"
head -c 1000000 "$data/data_batch_3.bin" >"$tmp/trunc/data_batch_3.bin"
expect_fail "data_batch_3.bin.*3073" "$fc" train --data "$tmp/trunc" --num-epochs 1

# model files: missing, not HDF5, HDF5 but not ours
expect_fail "folder .*/nodir does not exist" "$fc" train --save "$tmp/nodir/m.h5" --data "$data"
expect_fail "nope.h5" "$fc" eval "$tmp/nope.h5" --data "$data"
echo "not an hdf5 file" >"$tmp/junk.h5"
expect_fail "junk.h5" "$fc" eval "$tmp/junk.h5" --data "$data"
if command -v /usr/bin/python3 >/dev/null && /usr/bin/python3 -c 'import h5py' 2>/dev/null; then
    /usr/bin/python3 -c "import h5py; f = h5py.File('$tmp/foreign.h5', 'w'); f['x'] = [1, 2, 3]"
    expect_fail "foreign.h5" "$fc" eval "$tmp/foreign.h5" --data "$data"
fi

echo "$fails failed"
[ "$fails" -eq 0 ]
