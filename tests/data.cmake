# Data: the CIFAR-10 loader and fc_gather.
#   torture_data       fake CIFAR-10 folders written by the test: exact values, bad inputs
#   torture_data_real  the standard split of the real data in FC_TEST_DATA_DIR (skipped,
#                      exit 77, when the folder is missing)
fc_add_test(NAME torture_data SOURCES torture_data.c LIBS fcnet LABELS fast)
add_test(NAME torture_data_real COMMAND torture_data --real ${FC_TEST_DATA_DIR})
set_tests_properties(torture_data_real PROPERTIES LABELS "slow" SKIP_RETURN_CODE 77 TIMEOUT 120)
