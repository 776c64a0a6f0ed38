# The sandboxed shell (guest-tools/bash): a native build for fast and
# differential testing (bash-native), the conformance suite (each script's
# stdout and exit status must equal the checked-in .out, under the host's
# /bin/bash AND under our shell natively, as wasm under node:wasi and under
# `boxagnts wasm run` when those exist), hostile-input cases, and the
# bench-shell benchmark (not part of `make test`).
set(BX_SHELL_DIR ${CMAKE_SOURCE_DIR}/guest-tools/bash)
file(GLOB _bx_shell_src CONFIGURE_DEPENDS ${BX_SHELL_DIR}/*.c)
file(GLOB _bx_shell_sdk CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/guest-tools/sdk/*.c)
list(FILTER _bx_shell_sdk EXCLUDE REGEX "boxagnts_http")
add_executable(bash-native ${_bx_shell_src} ${_bx_shell_sdk})
target_include_directories(bash-native PRIVATE ${BX_SHELL_DIR} ${CMAKE_SOURCE_DIR}/guest-tools/sdk)
target_compile_options(bash-native PRIVATE ${BX_WARNINGS} -Wno-format-nonliteral)
if(CMAKE_C_COMPILER_ID MATCHES "Clang")
  # BX_WARNINGS carries gcc-only flags; clang (make san) must not fail on them
  target_compile_options(bash-native PRIVATE -Wno-unknown-warning-option)
endif()
target_link_libraries(bash-native PRIVATE m)
set_target_properties(bash-native PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})

set(_bx_shell_env
  "BX_SOURCE_DIR=${CMAKE_SOURCE_DIR}"
  "BX_BASH_NATIVE=$<TARGET_FILE:bash-native>"
  "BX_BASH_WASM=${CMAKE_BINARY_DIR}/guests/bash.wasm"
  "BX_BIN=$<$<TARGET_EXISTS:boxagnts>:$<TARGET_FILE:boxagnts>>")
add_test(NAME shell/conformance
         COMMAND ${CMAKE_SOURCE_DIR}/tests/shell/run-conformance.sh)
set_tests_properties(shell/conformance PROPERTIES ENVIRONMENT "${_bx_shell_env}" TIMEOUT 900)
add_test(NAME shell/hostile COMMAND ${CMAKE_SOURCE_DIR}/tests/shell/hostile.sh)
set_tests_properties(shell/hostile PROPERTIES ENVIRONMENT "${_bx_shell_env}" TIMEOUT 900)
if(TARGET guest_bash)
  add_dependencies(bash-native guest_bash)
endif()
# An agent under the fake LLM runs a multi-line script through the bash tool.
add_test(NAME shell/agent COMMAND ${CMAKE_SOURCE_DIR}/tests/shell/agent.sh)
set_tests_properties(shell/agent PROPERTIES ENVIRONMENT "${_bx_shell_env}" TIMEOUT 300)

# Benchmarks: `cmake --build <dir> --target bench-shell` (the tool layer's
# figures need bx_tools; the native shell is built for reference).
if(TARGET bx_tools)
  add_executable(bench_shell EXCLUDE_FROM_ALL ${CMAKE_SOURCE_DIR}/bench/shell/bench_shell.c)
  target_compile_options(bench_shell PRIVATE ${BX_WARNINGS})
  if(CMAKE_C_COMPILER_ID MATCHES "Clang")
    target_compile_options(bench_shell PRIVATE -Wno-unknown-warning-option)
  endif()
  target_link_libraries(bench_shell PRIVATE bx_tools)
  add_custom_target(bench-shell COMMAND bench_shell DEPENDS bench_shell bash-native USES_TERMINAL)
endif()

# The parser fuzz target (corpus replayed in ctest; libFuzzer with BX_FUZZ).
if(COMMAND bx_fuzz_target)
  set(_bx_shell_lib ${_bx_shell_src})
  list(FILTER _bx_shell_lib EXCLUDE REGEX "/main\\.c$")
  bx_fuzz_target(shell SOURCES ${CMAKE_SOURCE_DIR}/tests/shell/fuzz_shell.c ${_bx_shell_lib}
                 ${_bx_shell_sdk} INCLUDES ${BX_SHELL_DIR} ${CMAKE_SOURCE_DIR}/guest-tools/sdk
                 LIBS m CORPUS ${CMAKE_SOURCE_DIR}/tests/shell/corpus)
  if(TARGET fuzz_replay_shell)
    target_compile_options(fuzz_replay_shell PRIVATE -Wno-format-nonliteral)
    if(CMAKE_C_COMPILER_ID MATCHES "Clang")
      target_compile_options(fuzz_replay_shell PRIVATE -Wno-unknown-warning-option)
    endif()
  endif()
  if(TARGET fuzz_shell)
    target_compile_options(fuzz_shell PRIVATE -Wno-format-nonliteral)
  endif()
endif()
