add_test(NAME install_check COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/install_check.sh
         ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR})
