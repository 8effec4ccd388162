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

# FC_PY_OK: a python3 with numpy and h5py (tests/CMakeLists.txt)
if(FC_PY_OK)
  add_test(NAME torture_io_h5py
           COMMAND ${FC_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/check_h5model.py
                   $<TARGET_FILE:torture_io>)
  set_tests_properties(torture_io_h5py PROPERTIES LABELS "fast" SKIP_RETURN_CODE 77)
endif()
