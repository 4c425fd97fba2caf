mcsec_add_test(test_eccsi ${CMAKE_CURRENT_LIST_DIR}/test_eccsi.c)
mcsec_add_wolf_test(test_eccsi_wolf ${CMAKE_CURRENT_LIST_DIR}/test_eccsi_wolf.c)
add_test(NAME cli_eccsi COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/cli_eccsi.sh $<TARGET_FILE:mcsec>)
