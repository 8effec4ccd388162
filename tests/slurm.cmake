# Issue 4: submit slurm/sweep.sbatch to a throw-away single-node Slurm cluster on 127.0.0.1 and
# check a complete sweep, scancel + resubmit, and the time-limit warning signal + resubmit.
# Needs root and the Slurm packages (bash tests/slurm/install-deps.sh); without them it is
# reported as skipped (exit 77) unless FC_SLURM_REQUIRE=1 is set in the environment.
add_test(NAME slurm_sweep
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/slurm/test_sweep.sh
                 $<TARGET_FILE:fcsweep> ${FC_TEST_DATA_DIR})
# RUN_SERIAL: the jobs use every core of the node; a parallel ctest would distort the timings.
set_tests_properties(slurm_sweep PROPERTIES LABELS slurm TIMEOUT 270 RUN_SERIAL TRUE
                     SKIP_RETURN_CODE 77)
