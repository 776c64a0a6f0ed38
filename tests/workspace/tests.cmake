if(TARGET bx_workspace)
  bx_fuzz_target(front_matter
    SOURCES ${CMAKE_SOURCE_DIR}/tests/workspace/fuzz_front_matter.c
    LIBS bx_workspace
    CORPUS ${CMAKE_SOURCE_DIR}/tests/workspace/corpus)
endif()
