# sweep: spec parsing, trial expansion and sweep.h5 (cmocka), and the MPI runs (scripts).
#   torture_spec        specs, grid/random trials, de-dup, error messages, sweep.h5 round trip
#   mpi_sweep_smoke     a 2-rank smoke sweep completes, sweep.h5 lists and links every trial,
#                       the best trial's file passes `fcsweep eval`
#   mpi_sweep_determinism  per-trial histories identical with 1, 2 and 3 ranks
#   mpi_sweep_resume    SIGKILL part way, rerun: no finished trial runs twice, all done
#   mpi_sweep_stop      SIGUSR1/SIGTERM: clean stop, exit 0, resume line, then completes
#   mpi_sweep_idle      a rank out of trials sleeps (CPU time) until the last trial ends
#   mpi_sweep_bad_specs bad specs / missing data: message and non-zero exit on every rank,
#                       no hang
# The MPI tests need the real data in FC_TEST_DATA_DIR (skipped, exit 77, without it).
if(TARGET fcsweep_core)
  fc_add_test(NAME torture_spec SOURCES torture_spec.c LIBS fcsweep_core LABELS fast
              ARGS ${PROJECT_SOURCE_DIR}/sweeps)

  foreach(t smoke determinism resume stop bad_specs idle)
    add_test(NAME mpi_sweep_${t}
             COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/mpi/sweep_${t}.sh $<TARGET_FILE:fcsweep>
                     ${PROJECT_SOURCE_DIR} ${FC_TEST_DATA_DIR})
    set_tests_properties(mpi_sweep_${t} PROPERTIES LABELS "mpi" SKIP_RETURN_CODE 77 TIMEOUT 300)
  endforeach()
endif()
