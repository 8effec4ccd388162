# Core: layers, model, optimizers (float64 library), Solver on the real data (float32).
fc_add_test(NAME torture_layers SOURCES torture_layers.c LIBS fcnet64 LABELS fast)
fc_add_test(NAME torture_model SOURCES torture_model.c LIBS fcnet64 LABELS fast)
fc_add_test(NAME torture_optim SOURCES torture_optim.c LIBS fcnet64 LABELS fast)
# GEMM on float, libxsmm on and off, against a double reference.
fc_add_test(NAME torture_gemm SOURCES torture_gemm.c LIBS fcnet LABELS fast)
# Solver on the real data (float32): needs scripts/setup-data.sh; exit 77 = skipped.
fc_add_test(NAME torture_solver SOURCES torture_solver.c LIBS fcnet LABELS slow TIMEOUT 300
            ARGS ${FC_TEST_DATA_DIR})
set_tests_properties(torture_solver PROPERTIES SKIP_RETURN_CODE 77)
# CLI: bad hyperparameters, data and model files give one clear message and a non-zero exit.
add_test(NAME cli_bad_inputs COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli_bad_inputs.sh
         $<TARGET_FILE:fcsweep> ${FC_TEST_DATA_DIR})
set_tests_properties(cli_bad_inputs PROPERTIES LABELS "fast" TIMEOUT 300)
# The OpenBLAS kernel selected for this CPU trains like the generic one; OPENBLAS_CORETYPE wins.
if(FC_PY_OK)
  add_test(NAME blas_kernels COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/blas_kernels.sh
           $<TARGET_FILE:fcsweep> ${FC_TEST_DATA_DIR} ${FC_PYTHON3})
  set_tests_properties(blas_kernels PROPERTIES LABELS "slow" TIMEOUT 300)
endif()
