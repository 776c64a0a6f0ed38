# Tool tests beyond the generic tests/tools/test_*.c (which link bx_tools):
# the guest SDK compiled natively (tests/tools/sdk/test_*.c), its fuzz
# targets, the guest tools under node:wasi, and the bench-tools target.
set(BX_SDK_DIR ${CMAKE_SOURCE_DIR}/guest-tools/sdk)
file(GLOB _bx_sdk_tests CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/tools/sdk/test_*.c)
file(GLOB _bx_sdk_native CONFIGURE_DEPENDS ${BX_SDK_DIR}/*.c)
list(FILTER _bx_sdk_native EXCLUDE REGEX "boxagnts_http")
foreach(t IN LISTS _bx_sdk_tests)
  get_filename_component(_name ${t} NAME_WE)
  add_executable(tools_sdk_${_name} ${t} ${_bx_sdk_native})
  target_link_libraries(tools_sdk_${_name} PRIVATE m)
  target_include_directories(tools_sdk_${_name} PRIVATE ${CMAKE_SOURCE_DIR}/tests ${BX_SDK_DIR})
  target_compile_options(tools_sdk_${_name} PRIVATE ${BX_WARNINGS})
  add_test(NAME tools/sdk_${_name} COMMAND tools_sdk_${_name})
  set_tests_properties(tools/sdk_${_name} PROPERTIES
    ENVIRONMENT "BX_SOURCE_DIR=${CMAKE_SOURCE_DIR}" TIMEOUT 300)
endforeach()

# Fuzz targets of the guest sdk and web_fetch's HTML converter, through the
# project's one mechanism (cmake/fuzz.cmake): the committed corpora are
# replayed by ctest (fuzz/guest_*), `make fuzz` runs libFuzzer on them.
bx_fuzz_target(guest_json SOURCES ${CMAKE_SOURCE_DIR}/tests/tools/fuzz/fuzz_json.c ${BX_SDK_DIR}/json.c
               INCLUDES ${BX_SDK_DIR} LIBS m CORPUS ${CMAKE_SOURCE_DIR}/tests/tools/corpus/json)
bx_fuzz_target(guest_regex SOURCES ${CMAKE_SOURCE_DIR}/tests/tools/fuzz/fuzz_regex.c ${BX_SDK_DIR}/regex.c
               INCLUDES ${BX_SDK_DIR} CORPUS ${CMAKE_SOURCE_DIR}/tests/tools/corpus/regex)
bx_fuzz_target(guest_html SOURCES ${CMAKE_SOURCE_DIR}/tests/tools/fuzz/fuzz_html.c
               ${CMAKE_SOURCE_DIR}/guest-tools/web_fetch/html.c ${BX_SDK_DIR}/json.c
               INCLUDES ${BX_SDK_DIR} ${CMAKE_SOURCE_DIR}/guest-tools/web_fetch LIBS m
               CORPUS ${CMAKE_SOURCE_DIR}/tests/tools/corpus/html)

# Guest-program internals tested natively (no WASI needed).
add_executable(tools_guest_test_html ${CMAKE_SOURCE_DIR}/tests/tools/guest/test_html.c
               ${CMAKE_SOURCE_DIR}/guest-tools/web_fetch/html.c ${BX_SDK_DIR}/json.c)
target_include_directories(tools_guest_test_html PRIVATE ${CMAKE_SOURCE_DIR}/tests ${BX_SDK_DIR}
                           ${CMAKE_SOURCE_DIR}/guest-tools/web_fetch)
target_compile_options(tools_guest_test_html PRIVATE ${BX_WARNINGS})
target_link_libraries(tools_guest_test_html PRIVATE m)
add_test(NAME tools/guest_html COMMAND tools_guest_test_html)

# A guest that only has a clap-style --help (for the registry's fallback).
bx_guest(tools_helpy _helpy SOURCES ${CMAKE_SOURCE_DIR}/tests/tools/guests/helpy.c)
if(TARGET tools_test_registry)
  add_dependencies(tools_test_registry guest_tools_helpy)
endif()

# Benchmarks: `cmake --build <dir> --target bench-tools`.
if(TARGET bx_tools)
  add_executable(bench_tools EXCLUDE_FROM_ALL ${CMAKE_SOURCE_DIR}/bench/tools/bench_tools.c)
  target_compile_options(bench_tools PRIVATE ${BX_WARNINGS})
  target_link_libraries(bench_tools PRIVATE bx_tools)
  add_custom_target(bench-tools COMMAND bench_tools DEPENDS bench_tools USES_TERMINAL)
endif()

# web_fetch end to end, on a private loopback (unshare -rn).
if(TARGET bx_tools)
  add_executable(tools_net_web_fetch ${CMAKE_SOURCE_DIR}/tests/tools/net_web_fetch.c)
  target_include_directories(tools_net_web_fetch PRIVATE ${CMAKE_SOURCE_DIR}/tests)
  target_compile_options(tools_net_web_fetch PRIVATE ${BX_WARNINGS})
  target_link_libraries(tools_net_web_fetch PRIVATE bx_tools)
  find_program(BX_UNSHARE unshare REQUIRED)
  add_test(NAME tools/net_web_fetch COMMAND ${BX_UNSHARE} -rn $<TARGET_FILE:tools_net_web_fetch>)
  set_tests_properties(tools/net_web_fetch PROPERTIES TIMEOUT 120)
  add_dependencies(tools_test_registry guest_hello guest_tools_helpy)
endif()

# Guests that declare a level and then try to exceed it (the grant tests).
file(GLOB _bx_sdk_guest CONFIGURE_DEPENDS ${BX_SDK_DIR}/*.c)
foreach(_lvl none read_only write network)
  bx_guest(tools_sneaky_${_lvl} _sneaky SOURCES ${CMAKE_SOURCE_DIR}/tests/tools/guests/sneaky.c ${_bx_sdk_guest}
           INCLUDES ${BX_SDK_DIR} FLAGS -DLEVEL="${_lvl}")
  if(TARGET tools_test_grants)
    add_dependencies(tools_test_grants guest_tools_sneaky_${_lvl})
  endif()
endforeach()

# The regex engine against glibc's POSIX ERE (leftmost-longest spans).
add_executable(tools_regex_vs_glibc ${CMAKE_SOURCE_DIR}/tests/tools/diff/regex_vs_glibc.c ${BX_SDK_DIR}/regex.c)
target_compile_options(tools_regex_vs_glibc PRIVATE ${BX_WARNINGS} -iquote ${BX_SDK_DIR})
add_test(NAME tools/regex_vs_glibc COMMAND tools_regex_vs_glibc)
