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

# The JSON fuzz target: its committed corpus is replayed as a normal test;
# with -DBX_FUZZ=ON (clang) the libFuzzer binary is built too.
add_executable(tools_fuzz_json_replay ${CMAKE_SOURCE_DIR}/tests/tools/fuzz/fuzz_json.c
               ${CMAKE_SOURCE_DIR}/tests/tools/fuzz/replay.c ${BX_SDK_DIR}/json.c)
target_include_directories(tools_fuzz_json_replay PRIVATE ${BX_SDK_DIR})
target_compile_options(tools_fuzz_json_replay PRIVATE ${BX_WARNINGS})
target_link_libraries(tools_fuzz_json_replay PRIVATE m)
add_test(NAME tools/fuzz_json_corpus COMMAND tools_fuzz_json_replay
         ${CMAKE_SOURCE_DIR}/tests/tools/corpus/json)
if(BX_FUZZ)
  add_executable(fuzz_guest_json ${CMAKE_SOURCE_DIR}/tests/tools/fuzz/fuzz_json.c ${BX_SDK_DIR}/json.c)
  target_include_directories(fuzz_guest_json PRIVATE ${BX_SDK_DIR})
  target_compile_options(fuzz_guest_json PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(fuzz_guest_json PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(fuzz_guest_json PRIVATE m)
endif()

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

# The regex and HTML fuzz targets, replayed like the JSON one.
foreach(_fz regex html)
  set(_extra ${BX_SDK_DIR}/regex.c)
  set(_inc ${BX_SDK_DIR})
  if(_fz STREQUAL "html")
    set(_extra ${CMAKE_SOURCE_DIR}/guest-tools/web_fetch/html.c ${BX_SDK_DIR}/json.c)
    list(APPEND _inc ${CMAKE_SOURCE_DIR}/guest-tools/web_fetch)
  endif()
  add_executable(tools_fuzz_${_fz}_replay ${CMAKE_SOURCE_DIR}/tests/tools/fuzz/fuzz_${_fz}.c
                 ${CMAKE_SOURCE_DIR}/tests/tools/fuzz/replay.c ${_extra})
  target_include_directories(tools_fuzz_${_fz}_replay PRIVATE ${_inc})
  target_compile_options(tools_fuzz_${_fz}_replay PRIVATE ${BX_WARNINGS})
  target_link_libraries(tools_fuzz_${_fz}_replay PRIVATE m)
  add_test(NAME tools/fuzz_${_fz}_corpus COMMAND tools_fuzz_${_fz}_replay
           ${CMAKE_SOURCE_DIR}/tests/tools/corpus/${_fz})
  if(BX_FUZZ)
    add_executable(fuzz_guest_${_fz} ${CMAKE_SOURCE_DIR}/tests/tools/fuzz/fuzz_${_fz}.c ${_extra})
    target_include_directories(fuzz_guest_${_fz} PRIVATE ${_inc})
    target_compile_options(fuzz_guest_${_fz} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_options(fuzz_guest_${_fz} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(fuzz_guest_${_fz} PRIVATE m)
  endif()
endforeach()

# Guests that declare a level and then try to exceed it (the grant tests).
file(GLOB _bx_sdk_guest CONFIGURE_DEPENDS ${BX_SDK_DIR}/*.c)
foreach(_lvl none read_only write network)
  bx_guest(tools_sneaky_${_lvl} _sneaky SOURCES ${CMAKE_SOURCE_DIR}/tests/tools/guests/sneaky.c ${_bx_sdk_guest}
           INCLUDES ${BX_SDK_DIR} FLAGS -DLEVEL="${_lvl}")
  if(TARGET tools_test_grants)
    add_dependencies(tools_test_grants guest_tools_sneaky_${_lvl})
  endif()
endforeach()
