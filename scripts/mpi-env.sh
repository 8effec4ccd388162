# Sourced by the scripts: lets Open MPI's mpirun run as root (CI and fresh machines run as
# root), and lets it place more ranks than cores where a test asks for it.
if [ "$(id -u)" -eq 0 ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
