# tests/wasm extras: the engine's fuzz target, replayed over its committed
# corpus as the ctest fuzz/wasm in every build (libFuzzer binary with
# BX_FUZZ=ON), through the shared bx_fuzz_target (cmake/fuzz.cmake).
if(TARGET bx_wasm AND COMMAND bx_fuzz_target)
  bx_fuzz_target(wasm SOURCES ${CMAKE_SOURCE_DIR}/fuzz/fuzz_wasm.c LIBS bx_wasm
                 CORPUS ${CMAKE_SOURCE_DIR}/fuzz/corpus/wasm)
endif()
# The embedder-API tests again over the switch-dispatch interpreter.
if(TARGET bx_wasm_switch)
  add_executable(wasm_test_engine_switch ${CMAKE_SOURCE_DIR}/tests/wasm/test_engine.c)
  target_include_directories(wasm_test_engine_switch PRIVATE ${CMAKE_SOURCE_DIR}/tests)
  target_compile_options(wasm_test_engine_switch PRIVATE ${BX_WARNINGS})
  target_link_libraries(wasm_test_engine_switch PRIVATE bx_wasm_switch)
  add_test(NAME wasm/test_engine-switch COMMAND wasm_test_engine_switch)
endif()
