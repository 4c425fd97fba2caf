# MCPTT client/server pieces in process, then the whole thing across processes:
# KMS, MCPTT server, two clients and Kamailio on loopback, with a tshark capture.
mcsec_add_test(test_mcptt ${CMAKE_CURRENT_LIST_DIR}/test_mcptt.c)
add_test(NAME mcptt_e2e COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/mcptt_e2e.sh $<TARGET_FILE:mcsec>
         $<TARGET_FILE:mcsec-kmsd>)
set_tests_properties(mcptt_e2e PROPERTIES TIMEOUT 300)
