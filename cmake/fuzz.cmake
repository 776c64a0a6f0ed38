# bx_fuzz_target(NAME SOURCES ... [LIBS ...] [INCLUDES ...] CORPUS DIR)
# One mechanism for every fuzz target: the committed (minimised) corpus in
# DIR is replayed as a normal ctest (fuzz/NAME) through tests/fuzz_replay.c;
# with -DBX_FUZZ=ON (clang) the libFuzzer binary fuzz_NAME is built too and
# listed in ${CMAKE_BINARY_DIR}/fuzz-targets.txt ("name corpus-dir"), which
# `make fuzz` (scripts/run-fuzz) reads.
function(bx_fuzz_target name)
  cmake_parse_arguments(F "" "CORPUS" "SOURCES;LIBS;INCLUDES" ${ARGN})
  add_executable(fuzz_replay_${name} ${CMAKE_SOURCE_DIR}/tests/fuzz_replay.c ${F_SOURCES})
  target_include_directories(fuzz_replay_${name} PRIVATE ${CMAKE_SOURCE_DIR}/src ${F_INCLUDES})
  target_compile_options(fuzz_replay_${name} PRIVATE ${BX_WARNINGS})
  target_link_libraries(fuzz_replay_${name} PRIVATE ${F_LIBS})
  add_test(NAME fuzz/${name} COMMAND fuzz_replay_${name} ${F_CORPUS})
  if(BX_FUZZ)
    add_executable(fuzz_${name} ${F_SOURCES})
    target_include_directories(fuzz_${name} PRIVATE ${CMAKE_SOURCE_DIR}/src ${F_INCLUDES})
    target_compile_options(fuzz_${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(fuzz_${name} PRIVATE ${F_LIBS})
    file(APPEND ${CMAKE_BINARY_DIR}/fuzz-targets.txt "${name} ${F_CORPUS}\n")
  endif()
endfunction()
