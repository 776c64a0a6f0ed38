# agent: the `boxagnts run` end-to-end test (Python, the real binary against
# the fake LLM server) and the bench-agent target (bench/agent/).
find_program(BX_PYTHON python3 REQUIRED)
if(TARGET bx_agent)
  add_test(NAME agent/run_cli COMMAND ${BX_PYTHON} ${CMAKE_SOURCE_DIR}/tests/agent/test_run_cli.py)
  set_tests_properties(agent/run_cli PROPERTIES
    ENVIRONMENT "BX_SOURCE_DIR=${CMAKE_SOURCE_DIR};BX_BINARY_DIR=${CMAKE_BINARY_DIR};BX_BIN=$<TARGET_FILE:boxagnts>"
    TIMEOUT 300)
  if(EXISTS ${CMAKE_SOURCE_DIR}/bench/agent/bench_agent.c)
    add_executable(bench_agent ${CMAKE_SOURCE_DIR}/bench/agent/bench_agent.c)
    target_include_directories(bench_agent PRIVATE ${CMAKE_SOURCE_DIR}/tests)
    target_compile_options(bench_agent PRIVATE ${BX_WARNINGS})
    target_link_libraries(bench_agent PRIVATE bx_agent)
    add_custom_target(bench-agent
      COMMAND ${CMAKE_COMMAND} -E env BX_SOURCE_DIR=${CMAKE_SOURCE_DIR} $<TARGET_FILE:bench_agent>
      COMMAND ${BX_PYTHON} ${CMAKE_SOURCE_DIR}/bench/agent/bench_run.py $<TARGET_FILE:boxagnts>
      DEPENDS bench_agent boxagnts USES_TERMINAL)
  endif()
endif()
