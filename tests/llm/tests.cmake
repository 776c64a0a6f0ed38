# tests/llm: extras beyond the automatic test_*.c ctests.
# - fuzz/sse: the committed corpus fuzz/corpus/sse through fuzz/fuzz_sse.c
#   in every build (so also under ASan+UBSan in `make san`); with BX_FUZZ=ON
#   the libFuzzer binary fuzz_sse for `make fuzz` (cmake/fuzz.cmake).
# - bench_llm / `bench-llm`: SSE MB/s and per-request layer overhead.
if(TARGET bx_llm)
  bx_fuzz_target(sse
    SOURCES ${CMAKE_SOURCE_DIR}/fuzz/fuzz_sse.c
    LIBS bx_llm
    CORPUS ${CMAKE_SOURCE_DIR}/fuzz/corpus/sse)

  add_executable(bench_llm ${CMAKE_SOURCE_DIR}/bench/llm/bench_llm.c)
  target_compile_options(bench_llm PRIVATE ${BX_WARNINGS})
  target_link_libraries(bench_llm PRIVATE bx_llm)
  add_custom_target(bench-llm COMMAND bench_llm DEPENDS bench_llm USES_TERMINAL)
endif()
