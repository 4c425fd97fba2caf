mcsec_add_test(test_mikey_kdf ${CMAKE_CURRENT_LIST_DIR}/test_mikey_kdf.c)
mcsec_add_test(test_mikey_codec ${CMAKE_CURRENT_LIST_DIR}/test_mikey_codec.c)
