# The KMS: the handler in process, then mcsec-kmsd over HTTPS on loopback.
mcsec_add_test(test_kms ${CMAKE_CURRENT_LIST_DIR}/test_kms.c)
mcsec_add_wolf_test(test_kms_wolf ${CMAKE_CURRENT_LIST_DIR}/test_kms_wolf.c)
add_test(NAME kms_e2e COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/kms_e2e.sh $<TARGET_FILE:mcsec>
         $<TARGET_FILE:mcsec-kmsd>)
set_tests_properties(kms_e2e PROPERTIES TIMEOUT 180)
# A SIGKILL of mcsec-kmsd in the middle of a KeyProv load: no issued key set
# changes or is lost, the database passes its integrity check.
if(MCSEC_BENCH AND WOLFSSL_FOUND)
  add_test(NAME kms_restart COMMAND bash ${CMAKE_SOURCE_DIR}/bench/kms-bench.sh ${CMAKE_BINARY_DIR} --quick)
  set_tests_properties(kms_restart PROPERTIES TIMEOUT 120)
endif()
