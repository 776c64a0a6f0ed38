# tests/json extras: the jx_locate scanner's fuzz target, replayed over its
# committed corpus as the ctest fuzz/json_locate (libFuzzer with BX_FUZZ=ON).
if(TARGET bx_json AND COMMAND bx_fuzz_target)
  bx_fuzz_target(json_locate SOURCES ${CMAKE_SOURCE_DIR}/fuzz/fuzz_json_locate.c LIBS bx_json
                 CORPUS ${CMAKE_SOURCE_DIR}/fuzz/corpus/json_locate)
endif()
