mcsec_add_test(test_mikey_kdf ${CMAKE_CURRENT_LIST_DIR}/test_mikey_kdf.c)
mcsec_add_test(test_mikey_codec ${CMAKE_CURRENT_LIST_DIR}/test_mikey_codec.c)
mcsec_add_test(test_mikey_sdp ${CMAKE_CURRENT_LIST_DIR}/test_mikey_sdp.c)
add_test(NAME cli_mikey COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/cli_mikey.sh $<TARGET_FILE:mcsec>
         ${CMAKE_SOURCE_DIR}/fuzz/corpus/mikey)
mcsec_add_test(test_mikey_keyparams ${CMAKE_CURRENT_LIST_DIR}/test_mikey_keyparams.c)
mcsec_add_test(test_mikey_imessage ${CMAKE_CURRENT_LIST_DIR}/test_mikey_imessage.c)
add_test(NAME cli_srtp COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/cli_srtp.sh $<TARGET_FILE:mcsec>)
