# The KMS: the handler in process, then mcsec-kmsd over HTTPS on loopback.
mcsec_add_test(test_kms ${CMAKE_CURRENT_LIST_DIR}/test_kms.c)
add_test(NAME kms_e2e COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/kms_e2e.sh $<TARGET_FILE:mcsec>
         $<TARGET_FILE:mcsec-kmsd>)
set_tests_properties(kms_e2e PROPERTIES TIMEOUT 180)
