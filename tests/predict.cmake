# Tests of issue 5: the .npy reader/writer, fcsweep predict and fcsweep report.

fc_add_test(NAME torture_npy SOURCES torture_npy.c LIBS fcnet LABELS fast)
target_compile_definitions(torture_npy PRIVATE
  FC_NPY_FIXTURES="${CMAKE_CURRENT_SOURCE_DIR}/fixtures/npy")

# The scripts below need FC_PY_OK: a python3 with numpy and h5py (tests/CMakeLists.txt).
if(FC_PY_OK)
  # predict on the test split: its accuracy equals what eval reports (uint8, float32,
  # big-endian float64 inputs); malformed inputs fail cleanly.
  add_test(NAME predict_roundtrip
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/predict_roundtrip.sh $<TARGET_FILE:fcsweep>
                   ${FC_TEST_DATA_DIR} ${FC_PYTHON3} ${CMAKE_CURRENT_BINARY_DIR}/predict_roundtrip)
  set_tests_properties(predict_roundtrip PROPERTIES LABELS "slow" TIMEOUT 300
                       SKIP_RETURN_CODE 77)
endif()

# report on a real smoke sweep (grid), a random sweep, a model file, a folder without
# sweep.h5; predict on a sweep folder (best trial, --trial). Needs mpiexec and gnuplot.
if(TARGET fcsweep_core)
  add_test(NAME mpi_report_smoke
           COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/report_smoke.sh $<TARGET_FILE:fcsweep>
                   ${PROJECT_SOURCE_DIR} ${FC_TEST_DATA_DIR})
  set_tests_properties(mpi_report_smoke PROPERTIES LABELS "mpi" SKIP_RETURN_CODE 77 TIMEOUT 300)
endif()
