# The WebAssembly spec testsuite (../shared/wasm-spec, or $BOXAGNTS_WASM_SPEC).
# Two ctests per engine variant: the core files and the SIMD files; the
# switch-dispatch build of the interpreter runs the same suite. A missing
# testsuite is reported as skipped, with the reason (a user's clone has no
# ../shared); with BOXAGNTS_REQUIRE_SPEC=1, as .ci/run sets it, it fails.
if(DEFINED ENV{BOXAGNTS_WASM_SPEC})
  set(BX_WASM_SPEC $ENV{BOXAGNTS_WASM_SPEC})
else()
  set(BX_WASM_SPEC ${CMAKE_SOURCE_DIR}/../shared/wasm-spec)
endif()
if(TARGET bx_wasm)
  add_executable(spec_runner ${CMAKE_SOURCE_DIR}/tests/spec/spec_runner.c)
  target_compile_options(spec_runner PRIVATE ${BX_WARNINGS})
  target_link_libraries(spec_runner PRIVATE bx_wasm PkgConfig::JANSSON)
  add_executable(spec_runner_switch EXCLUDE_FROM_ALL ${CMAKE_SOURCE_DIR}/tests/spec/spec_runner.c)
  target_compile_options(spec_runner_switch PRIVATE ${BX_WARNINGS})
  target_link_libraries(spec_runner_switch PRIVATE bx_wasm_switch PkgConfig::JANSSON)
  add_custom_target(spec_runner_switch_build ALL DEPENDS spec_runner_switch)
  add_test(NAME spec/core COMMAND spec_runner ${BX_WASM_SPEC}/core)
  add_test(NAME spec/simd COMMAND spec_runner ${BX_WASM_SPEC}/core/simd)
  add_test(NAME spec/core-switch COMMAND spec_runner_switch ${BX_WASM_SPEC}/core)
  add_test(NAME spec/simd-switch COMMAND spec_runner_switch ${BX_WASM_SPEC}/core/simd)
  set_tests_properties(spec/core spec/simd spec/core-switch spec/simd-switch PROPERTIES
                       TIMEOUT 900 SKIP_RETURN_CODE 77)
  # The skip rule itself: absent data skips (77) unless it is required (1).
  add_test(NAME spec/absent-data-skips
           COMMAND sh -c "env -u BOXAGNTS_REQUIRE_SPEC \"$0\" /nonexistent/wasm-spec; test $? = 77"
                   $<TARGET_FILE:spec_runner>)
  add_test(NAME spec/absent-data-required-fails
           COMMAND sh -c "BOXAGNTS_REQUIRE_SPEC=1 \"$0\" /nonexistent/wasm-spec; test $? = 1"
                   $<TARGET_FILE:spec_runner>)
endif()
