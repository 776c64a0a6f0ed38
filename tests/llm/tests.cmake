# tests/llm: extras beyond the automatic test_*.c ctests.
# - llm/fuzz_sse_replay: the committed fuzz corpus through the fuzz target, in
#   every build (and so under ASan+UBSan in `make san`).
# - fuzz_sse: the libFuzzer target itself (BX_FUZZ=ON, clang).
# - bench_llm / `bench-llm`: SSE MB/s and per-request layer overhead.
if(TARGET bx_llm)
  add_executable(llm_fuzz_sse_replay ${CMAKE_SOURCE_DIR}/fuzz/fuzz_sse.c
                 ${CMAKE_SOURCE_DIR}/tests/llm/fuzz_replay.c)
  target_compile_options(llm_fuzz_sse_replay PRIVATE ${BX_WARNINGS})
  target_link_libraries(llm_fuzz_sse_replay PRIVATE bx_llm)
  add_test(NAME llm/fuzz_sse_replay
           COMMAND llm_fuzz_sse_replay ${CMAKE_SOURCE_DIR}/fuzz/corpus/sse)

  add_executable(bench_llm ${CMAKE_SOURCE_DIR}/bench/llm/bench_llm.c)
  target_compile_options(bench_llm PRIVATE ${BX_WARNINGS})
  target_link_libraries(bench_llm PRIVATE bx_llm)
  add_custom_target(bench-llm COMMAND bench_llm DEPENDS bench_llm USES_TERMINAL)

  if(BX_FUZZ)
    # coverage for the library code the target exercises, plus ASan/UBSan
    # unless the whole build is already sanitized
    set(_llm_fuzz_san fuzzer)
    if(NOT BX_SANITIZE)
      set(_llm_fuzz_san fuzzer,address,undefined)
    endif()
    target_compile_options(bx_llm PRIVATE -fsanitize=fuzzer-no-link)
    add_executable(fuzz_sse ${CMAKE_SOURCE_DIR}/fuzz/fuzz_sse.c)
    target_compile_options(fuzz_sse PRIVATE -fsanitize=${_llm_fuzz_san})
    target_link_options(fuzz_sse PRIVATE -fsanitize=${_llm_fuzz_san})
    target_link_libraries(fuzz_sse PRIVATE bx_llm)
  endif()
endif()
