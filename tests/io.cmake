# io: the HDF5 model file.
#   torture_io          save/load round trips and bad inputs (fixtures from
#                       tests/fixtures/make_h5_fixtures.py); torture_io64: same, float64
#   torture_io_h5py     h5py reads every attribute and array of a saved model, h5dump opens
#                       it, and files damaged with h5py are rejected (tests/check_h5model.py)
fc_add_test(NAME torture_io SOURCES torture_io.c LIBS fcnet LABELS fast
            ARGS ${CMAKE_CURRENT_SOURCE_DIR}/fixtures)
# the same tests against the float64 library (datasets stored as float64, dtype "float64")
fc_add_test(NAME torture_io64 SOURCES torture_io.c LIBS fcnet64 LABELS fast
            ARGS ${CMAKE_CURRENT_SOURCE_DIR}/fixtures)

# A python3 with numpy and h5py (Debian's /usr/bin/python3 first: a pyenv one may lack them).
if(NOT FC_PYTHON3)
  find_program(FC_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
endif()
if(NOT FC_PYTHON3)
  find_program(FC_PYTHON3 NAMES python3)
endif()
set(FC_IO_PY_OK FALSE)
if(FC_PYTHON3)
  execute_process(COMMAND ${FC_PYTHON3} -c "import numpy, h5py" RESULT_VARIABLE fc_io_py_rc
                  OUTPUT_QUIET ERROR_QUIET)
  if(fc_io_py_rc EQUAL 0)
    set(FC_IO_PY_OK TRUE)
  endif()
endif()
if(FC_IO_PY_OK)
  add_test(NAME torture_io_h5py
           COMMAND ${FC_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/check_h5model.py
                   $<TARGET_FILE:torture_io>)
  set_tests_properties(torture_io_h5py PROPERTIES LABELS "fast" SKIP_RETURN_CODE 77)
else()
  message(STATUS "python3 with numpy and h5py not found: torture_io_h5py not registered "
                 "(Debian: apt-get install python3-numpy python3-h5py)")
endif()
