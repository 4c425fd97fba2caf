# Calls (issue 7): SRTP/SRTCP media and floor control over libsrtp2, the GMS,
# off-network key export; calls_e2e runs the whole chain against mcsec-kmsd.
mcsec_add_test(test_srtp ${CMAKE_CURRENT_LIST_DIR}/test_srtp.c)
mcsec_add_test(test_gms ${CMAKE_CURRENT_LIST_DIR}/test_gms.c)
add_test(NAME calls_e2e COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/calls_e2e.sh $<TARGET_FILE:mcsec>
         $<TARGET_FILE:mcsec-kmsd>)
set_tests_properties(calls_e2e PROPERTIES TIMEOUT 300)
