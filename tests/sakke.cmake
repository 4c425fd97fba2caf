# SAKKE (RFC 6508) and its 1024-bit arithmetic.
mcsec_add_test(test_math ${CMAKE_CURRENT_LIST_DIR}/test_math.c)
mcsec_add_test(test_sakke ${CMAKE_CURRENT_LIST_DIR}/test_sakke.c)
mcsec_add_wolf_test(test_sakke_wolf ${CMAKE_CURRENT_LIST_DIR}/test_sakke_wolf.c)

# Second builds of the library for the field arithmetic the default build
# does not use: the portable C code (as non-x86 builds get it) and, when the
# default is the AVX-512 IFMA code, the mulx (or mulq) code, on which
# ct_sakke runs: valgrind cannot execute AVX-512.
function(mcsec_variant_obj name defs)
  add_library(${name} OBJECT ${MCSEC_SOURCES})
  if(defs)
    target_compile_definitions(${name} PRIVATE ${defs})
  endif()
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/include ${CMAKE_SOURCE_DIR}/src
                             ${CMAKE_BINARY_DIR}/generated)
  target_link_libraries(${name} PUBLIC ${MCSEC_DEPS})
endfunction()
function(mcsec_variant_test t obj suffix)
  add_executable(${t}_${suffix} ${CMAKE_CURRENT_LIST_DIR}/${t}.c $<TARGET_OBJECTS:${obj}>)
  target_include_directories(${t}_${suffix} PRIVATE ${CMAKE_SOURCE_DIR}/include ${CMAKE_SOURCE_DIR}/src
                             ${CMAKE_BINARY_DIR}/generated)
  target_link_libraries(${t}_${suffix} PRIVATE mcsec_testutil ${MCSEC_DEPS})
  add_test(NAME ${t}_${suffix} COMMAND ${t}_${suffix})
  set_tests_properties(${t}_${suffix} PROPERTIES
    ENVIRONMENT "MCSEC_VECTOR_DIR=${CMAKE_CURRENT_SOURCE_DIR}/vectors")
endfunction()

mcsec_variant_obj(mcsec_portable_obj MCSEC_PORTABLE_C)
foreach(t test_math test_sakke)
  mcsec_variant_test(${t} mcsec_portable_obj portable)
endforeach()
set(MCSEC_CT_OBJ "")
if(MCSEC_X86_IFMA)
  set(noifma_defs "")
  if(MCSEC_X86_ADX)
    list(APPEND noifma_defs MCSEC_X86_ADX)
  endif()
  mcsec_variant_obj(mcsec_noifma_obj "${noifma_defs}")
  foreach(t test_math test_sakke)
    mcsec_variant_test(${t} mcsec_noifma_obj noifma)
  endforeach()
  set(MCSEC_CT_OBJ mcsec_noifma_obj)
  # the AVX-512 code (the IFMA products, the table scan) checked on the
  # object code for secret-dependent branches and addresses (what valgrind
  # would otherwise have checked); not with the sanitizers, whose checks
  # add branches to every function
  if(NOT MCSEC_SANITIZE)
    add_test(NAME ifma_ctcheck
             COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/ifma_ctcheck.py $<TARGET_OBJECTS:mcsec_obj>)
  endif()
  mcsec_add_test(test_fp_ifma ${CMAKE_CURRENT_LIST_DIR}/test_fp_ifma.c)
endif()

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
  if(MCSEC_CT_OBJ)
    add_executable(ct_sakke ${CMAKE_CURRENT_LIST_DIR}/ct_sakke.c $<TARGET_OBJECTS:${MCSEC_CT_OBJ}>)
    target_include_directories(ct_sakke PRIVATE ${CMAKE_SOURCE_DIR}/include ${CMAKE_SOURCE_DIR}/src
                               ${CMAKE_BINARY_DIR}/generated)
    target_link_libraries(ct_sakke PRIVATE mcsec_testutil ${MCSEC_DEPS})
  else()
    add_executable(ct_sakke ${CMAKE_CURRENT_LIST_DIR}/ct_sakke.c)
    target_link_libraries(ct_sakke PRIVATE mcsec_internal mcsec_testutil)
  endif()
  add_test(NAME ct_sakke
           COMMAND ${MCSEC_VALGRIND} --error-exitcode=1 --track-origins=yes -q
                   $<TARGET_FILE:ct_sakke>)
endif()
