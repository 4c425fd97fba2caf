# SAKKE (RFC 6508) and its 1024-bit arithmetic.
mcsec_add_test(test_math ${CMAKE_CURRENT_LIST_DIR}/test_math.c)
mcsec_add_test(test_sakke ${CMAKE_CURRENT_LIST_DIR}/test_sakke.c)
mcsec_add_wolf_test(test_sakke_wolf ${CMAKE_CURRENT_LIST_DIR}/test_sakke_wolf.c)

# ctgrind: the constant-time check of the secret-handling code under
# valgrind's memcheck (see ct_sakke.c). Not with the sanitizers (valgrind
# cannot run ASan binaries).
find_program(MCSEC_VALGRIND valgrind)
include(CheckIncludeFile)
check_include_file(valgrind/memcheck.h MCSEC_HAVE_MEMCHECK_H)
if(NOT MCSEC_VALGRIND)
  message(STATUS "valgrind not found: ct_sakke (constant-time check) not registered")
elseif(NOT MCSEC_HAVE_MEMCHECK_H)
  message(STATUS "valgrind/memcheck.h missing (Debian package valgrind): ct_sakke not registered")
elseif(MCSEC_SANITIZE)
  message(STATUS "MCSEC_SANITIZE: ct_sakke (valgrind) not registered")
else()
  add_executable(ct_sakke ${CMAKE_CURRENT_LIST_DIR}/ct_sakke.c)
  target_link_libraries(ct_sakke PRIVATE mcsec_internal mcsec_testutil)
  add_test(NAME ct_sakke
           COMMAND ${MCSEC_VALGRIND} --error-exitcode=1 --track-origins=yes -q
                   $<TARGET_FILE:ct_sakke>)
endif()

# The portable C field arithmetic (no x86-64 inline assembly or carry
# intrinsics), as non-x86 builds get it.
add_library(mcsec_portable_obj OBJECT ${MCSEC_SOURCES})
target_compile_definitions(mcsec_portable_obj PRIVATE MCSEC_PORTABLE_C)
target_include_directories(mcsec_portable_obj PRIVATE ${CMAKE_SOURCE_DIR}/include ${CMAKE_SOURCE_DIR}/src
                           ${CMAKE_BINARY_DIR}/generated)
target_link_libraries(mcsec_portable_obj PUBLIC ${MCSEC_DEPS})
foreach(t test_math test_sakke)
  add_executable(${t}_portable ${CMAKE_CURRENT_LIST_DIR}/${t}.c $<TARGET_OBJECTS:mcsec_portable_obj>)
  target_include_directories(${t}_portable PRIVATE ${CMAKE_SOURCE_DIR}/include ${CMAKE_SOURCE_DIR}/src
                             ${CMAKE_BINARY_DIR}/generated)
  target_link_libraries(${t}_portable PRIVATE mcsec_testutil ${MCSEC_DEPS})
  add_test(NAME ${t}_portable COMMAND ${t}_portable)
  set_tests_properties(${t}_portable PROPERTIES
    ENVIRONMENT "MCSEC_VECTOR_DIR=${CMAKE_CURRENT_SOURCE_DIR}/vectors")
endforeach()
