# Integration tests: the real binary on loopback, driven by Python scripts.
find_program(BX_PYTHON python3 REQUIRED)
file(GLOB _itests CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/integration/test_*.py)
foreach(t IN LISTS _itests)
  get_filename_component(_name ${t} NAME_WE)
  add_test(NAME integration/${_name} COMMAND ${BX_PYTHON} ${t})
  set_tests_properties(integration/${_name} PROPERTIES
    ENVIRONMENT "BX_SOURCE_DIR=${CMAKE_SOURCE_DIR};BX_BINARY_DIR=${CMAKE_BINARY_DIR};BX_BIN=$<TARGET_FILE:boxagnts>"
    TIMEOUT 300)
endforeach()
