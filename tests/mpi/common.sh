# Shared by the tests/mpi/sweep_*.sh scripts (sourced): arguments, mpiexec flags, helpers.
#   $1 fcsweep binary, $2 repository root, $3 CIFAR-10 folder
set -eu
FCSWEEP=$1
ROOT=$2
DATA=$3
if [ ! -f "$DATA/data_batch_1.bin" ]; then
    echo "skip: no CIFAR-10 in $DATA"
    exit 77
fi
command -v mpiexec >/dev/null 2>&1 || { echo "skip: no mpiexec"; exit 77; }
# We run as root in containers with fewer cores than ranks.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
export CIFAR10_DIR="$DATA"
MPIEXEC="mpiexec --oversubscribe --allow-run-as-root"
WORK=$(mktemp -d /tmp/fcsweep_mpi.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# A smoke-sized spec with N_TRIALS trials named NAME into $WORK/NAME.yaml
# (slow=1: more images and epochs so that a trial lasts about a second).
make_spec() {
    name=$1
    slow=${2:-0}
    if [ "$slow" = 1 ]; then
        cat >"$WORK/$name.yaml" <<EOS
name: $name
method: grid
seed: 11
data: {num_train: 3000, num_val: 200, num_test: 100}
parameters:
  hidden_dims:   {values: [[200, 100], [150]]}
  learning_rate: {values: [1.0e-3, 2.0e-3, 5.0e-4, 3.0e-3]}
  update_rule:   {value: adam}
  num_epochs:    {value: 8}
  batch_size:    {value: 50}
EOS
    else
        cp "$ROOT/sweeps/smoke.yaml" "$WORK/$name.yaml"
    fi
}
