# Tests of issue 5: the .npy reader/writer, fcsweep predict and fcsweep report.

fc_add_test(NAME torture_npy SOURCES torture_npy.c LIBS fcnet LABELS fast)
target_compile_definitions(torture_npy PRIVATE
  FC_NPY_FIXTURES="${CMAKE_CURRENT_SOURCE_DIR}/fixtures/npy")
