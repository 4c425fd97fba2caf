# CLI tests for the areas built on SAKKE.
add_test(NAME cli_sakke COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/cli_sakke.sh $<TARGET_FILE:mcsec>)
add_test(NAME cli_mikey_e2e COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/cli_mikey_e2e.sh $<TARGET_FILE:mcsec>)
add_test(NAME tshark_mikey COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/tshark_mikey.sh $<TARGET_FILE:mcsec>)
