mcsec_add_test(test_kmsxml ${CMAKE_CURRENT_LIST_DIR}/test_kmsxml.c)
