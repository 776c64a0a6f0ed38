# tests/wasm extras: the engine's fuzz target, replayed over its committed
# corpus as the ctest fuzz/wasm in every build (libFuzzer binary with
# BX_FUZZ=ON), through the shared bx_fuzz_target (cmake/fuzz.cmake).
if(TARGET bx_wasm AND COMMAND bx_fuzz_target)
  bx_fuzz_target(wasm SOURCES ${CMAKE_SOURCE_DIR}/fuzz/fuzz_wasm.c LIBS bx_wasm
                 CORPUS ${CMAKE_SOURCE_DIR}/fuzz/corpus/wasm)
endif()
