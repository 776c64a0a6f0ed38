# Sandbox tests beyond the per-file unit tests: guest programs (built with
# bx_guest), a test-only `wasm run` executable, the escape suite (also built
# natively as positive controls), the network suite under `unshare -rn`,
# the differential tests against node:wasi, and the bench-sandbox target.
set(_sbx ${CMAKE_SOURCE_DIR}/tests/sandbox)
set(_gflags -I${CMAKE_SOURCE_DIR}/guest-tools/sdk)

add_executable(sandbox_run_cli ${_sbx}/run_cli.c)
target_compile_options(sandbox_run_cli PRIVATE ${BX_WARNINGS})
target_link_libraries(sandbox_run_cli PRIVATE bx_sandbox)

# The escape programs built natively: the positive controls.
add_executable(sandbox_escape_native ${_sbx}/guests/escape.c)
target_compile_options(sandbox_escape_native PRIVATE ${BX_WARNINGS})

set(_sbx_guests "")
foreach(g wasi_calls escape net_attack diff bench fuzz_wasi)
  if(EXISTS ${_sbx}/guests/${g}.c)
    bx_guest(sbx_${g} _w SOURCES ${_sbx}/guests/${g}.c INCLUDES ${CMAKE_SOURCE_DIR}/guest-tools/sdk)
    list(APPEND _sbx_guests guest_sbx_${g})
  endif()
endforeach()

# Unit test binaries need our guests (only ours: other guests may be mid-edit).
foreach(t test_wasi test_run test_escape test_net test_netpolicy)
  if(TARGET sandbox_${t})
    add_dependencies(sandbox_${t} ${_sbx_guests} guest_hello sandbox_run_cli sandbox_escape_native)
  endif()
endforeach()

add_test(NAME sandbox/differential_node
  COMMAND ${_sbx}/differential.sh $<TARGET_FILE:sandbox_run_cli>
          ${CMAKE_BINARY_DIR}/guests/sbx_diff.wasm ${_sbx}/node_wasi.mjs)
set_tests_properties(sandbox/differential_node PROPERTIES TIMEOUT 120)

# bench-sandbox: the run budgets (issue 4), printed against native baselines.
add_executable(sandbox_bench_native ${_sbx}/guests/bench.c)
target_compile_options(sandbox_bench_native PRIVATE ${BX_WARNINGS})
add_executable(bench_sandbox ${CMAKE_SOURCE_DIR}/bench/sandbox/bench_sandbox.c)
target_compile_options(bench_sandbox PRIVATE ${BX_WARNINGS})
target_link_libraries(bench_sandbox PRIVATE bx_sandbox)
# The whole-process figure is for the real `boxagnts wasm run`.
add_custom_target(bench-sandbox
  COMMAND ${CMAKE_COMMAND} -E env BX_BIN_WASM=$<TARGET_FILE:boxagnts>
          $<TARGET_FILE:bench_sandbox> ${CMAKE_BINARY_DIR}
  DEPENDS bench_sandbox sandbox_bench_native boxagnts guest_sbx_bench
  WORKING_DIRECTORY ${CMAKE_BINARY_DIR} USES_TERMINAL)

# The network policy's parsers, fuzzed; the committed corpus is replayed in ctest.
bx_fuzz_target(netpolicy
  SOURCES ${_sbx}/fuzz_netpolicy.c
  LIBS bx_sandbox
  CORPUS ${_sbx}/corpus)

# The WASI host, fuzzed through a guest that replays its input as raw calls.
bx_fuzz_target(wasi
  SOURCES ${_sbx}/fuzz_wasi.c
  LIBS bx_sandbox
  CORPUS ${_sbx}/corpus_wasi)
add_dependencies(fuzz_replay_wasi guest_sbx_fuzz_wasi)
set_tests_properties(fuzz/wasi PROPERTIES ENVIRONMENT "BX_BINARY_DIR=${CMAKE_BINARY_DIR}")
if(TARGET fuzz_wasi)
  add_dependencies(fuzz_wasi guest_sbx_fuzz_wasi)
endif()

# The real binary's `wasm run` (wired in src/main.c): the guest's exit code
# and output, and a limit mapped to 122 with a message.
add_test(NAME sandbox/boxagnts_wasm_run
  COMMAND sh -c "out=$($0 wasm run $1 one two); rc=$?; [ \"$rc\" = 2 ] && [ \"$out\" = \"$(printf 'hello from wasm32-wasi\\none\\ntwo')\" ] || { echo \"rc=$rc out=$out\"; exit 1; }; $0 wasm run --fuel 1000 $2 loop / / /x 2>err; rc=$?; [ \"$rc\" = 122 ] && grep -q 'out of fuel' err || { echo \"fuel: rc=$rc\"; cat err; exit 1; }; rm -f err"
          $<TARGET_FILE:boxagnts> ${CMAKE_BINARY_DIR}/guests/hello.wasm ${CMAKE_BINARY_DIR}/guests/sbx_escape.wasm
  WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
