mcsec_add_test(test_jwt ${CMAKE_CURRENT_LIST_DIR}/test_jwt.c)
add_test(NAME cli_idm COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/cli_idm.sh $<TARGET_FILE:mcsec>
         ${CMAKE_CURRENT_LIST_DIR}/vectors)
