mcsec_add_test(test_uid ${CMAKE_CURRENT_LIST_DIR}/test_uid.c)
add_test(NAME cli_uid COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/cli_uid.sh $<TARGET_FILE:mcsec>)
