# Browser tests: headless Chromium (Debian chromium) driven by playwright-core
# from web/node_modules, against the real binary and the fake LLM.
find_program(BX_NODE node)
if(BX_NODE AND EXISTS /usr/bin/chromium AND EXISTS ${CMAKE_SOURCE_DIR}/web/node_modules/playwright-core)
  add_test(NAME browser/dashboard COMMAND ${BX_NODE} ${CMAKE_SOURCE_DIR}/tests/browser/dashboard.mjs)
  set_tests_properties(browser/dashboard PROPERTIES
    ENVIRONMENT "BX_SOURCE_DIR=${CMAKE_SOURCE_DIR};BX_BINARY_DIR=${CMAKE_BINARY_DIR};BX_BIN=$<TARGET_FILE:boxagnts>"
    TIMEOUT 300)
  add_test(NAME browser/first_run COMMAND ${BX_NODE} ${CMAKE_SOURCE_DIR}/tests/browser/first_run.mjs)
  set_tests_properties(browser/first_run PROPERTIES
    ENVIRONMENT "BX_SOURCE_DIR=${CMAKE_SOURCE_DIR};BX_BINARY_DIR=${CMAKE_BINARY_DIR};BX_BIN=$<TARGET_FILE:boxagnts>"
    TIMEOUT 120)
endif()
# The official OpenAI SDK against /v1 (not a browser, but the same Node setup).
if(BX_NODE AND EXISTS ${CMAKE_SOURCE_DIR}/web/node_modules/openai)
  add_test(NAME browser/openai_sdk COMMAND ${BX_NODE} ${CMAKE_SOURCE_DIR}/tests/browser/openai_sdk.mjs)
  set_tests_properties(browser/openai_sdk PROPERTIES
    ENVIRONMENT "BX_SOURCE_DIR=${CMAKE_SOURCE_DIR};BX_BINARY_DIR=${CMAKE_BINARY_DIR};BX_BIN=$<TARGET_FILE:boxagnts>"
    TIMEOUT 120)
endif()
if(NOT (BX_NODE AND EXISTS /usr/bin/chromium AND EXISTS ${CMAKE_SOURCE_DIR}/web/node_modules/playwright-core))
  message(WARNING "browser tests need node, /usr/bin/chromium and web/node_modules (scripts/install-deps)")
endif()

# Gateway benchmarks (figures only, never part of ctest):
# cmake --build build --target bench-gateway
find_program(BX_PYTHON3 python3)
if(BX_PYTHON3 AND NOT TARGET bench-gateway)
  add_custom_target(bench-gateway
    COMMAND ${CMAKE_COMMAND} -E env BX_BIN=$<TARGET_FILE:boxagnts>
            ${BX_PYTHON3} ${CMAKE_SOURCE_DIR}/bench/gateway/bench.py
    DEPENDS boxagnts USES_TERMINAL
    COMMENT "gateway benchmarks: sessions req/s (wrk), 1,000 idle SSE streams, event latency")
endif()
