# S/MIME in SIP: the library in process, then interop with `openssl cms` both ways
# through the CLI.
mcsec_add_test(test_smime ${CMAKE_CURRENT_LIST_DIR}/test_smime.c)
add_test(NAME smime_openssl COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/smime_openssl.sh $<TARGET_FILE:mcsec>
         ${CMAKE_CURRENT_LIST_DIR}/vectors/smime)
set_tests_properties(smime_openssl PROPERTIES TIMEOUT 120)
