# The store's crash test: a writer child is SIGKILLed at random points at
# least 100 times; after each kill the database must pass integrity_check
# and hold every acknowledged row. See tests/store/crash.c.
if(TARGET bx_store)
  add_executable(store_crash ${CMAKE_CURRENT_LIST_DIR}/crash.c)
  target_include_directories(store_crash PRIVATE ${CMAKE_SOURCE_DIR}/tests)
  target_compile_options(store_crash PRIVATE ${BX_WARNINGS})
  target_link_libraries(store_crash PRIVATE bx_store)
  add_test(NAME store/crash COMMAND store_crash 120)
  set_tests_properties(store/crash PROPERTIES TIMEOUT 600)
  # Proof that the crash test can fail: planted bugs it must catch —
  # acknowledging a row before its commit, and an event batch written as
  # one transaction per event.
  add_test(NAME store/crash-selftest-ack COMMAND store_crash 60 --plant-early-ack)
  add_test(NAME store/crash-selftest-events COMMAND store_crash 60 --plant-torn-events)
  # They pass only when the run fails for the planted reason.
  set_tests_properties(store/crash-selftest-ack PROPERTIES
    PASS_REGULAR_EXPRESSION "crash: LOST ROWS" TIMEOUT 600)
  set_tests_properties(store/crash-selftest-events PROPERTIES
    PASS_REGULAR_EXPRESSION "batch (was|at seq [0-9]+ is) torn" TIMEOUT 600)
endif()
