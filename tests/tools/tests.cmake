# Tool tests beyond the generic tests/tools/test_*.c (which link bx_tools):
# the guest SDK compiled natively (tests/tools/sdk/test_*.c), its fuzz
# targets, the guest tools under node:wasi, and the bench-tools target.
set(BX_SDK_DIR ${CMAKE_SOURCE_DIR}/guest-tools/sdk)
file(GLOB _bx_sdk_tests CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/tools/sdk/test_*.c)
file(GLOB _bx_sdk_native CONFIGURE_DEPENDS ${BX_SDK_DIR}/*.c)
list(FILTER _bx_sdk_native EXCLUDE REGEX "boxagnts_http")
foreach(t IN LISTS _bx_sdk_tests)
  get_filename_component(_name ${t} NAME_WE)
  add_executable(tools_sdk_${_name} ${t} ${_bx_sdk_native})
  target_include_directories(tools_sdk_${_name} PRIVATE ${CMAKE_SOURCE_DIR}/tests ${BX_SDK_DIR})
  target_compile_options(tools_sdk_${_name} PRIVATE ${BX_WARNINGS})
  add_test(NAME tools/sdk_${_name} COMMAND tools_sdk_${_name})
  set_tests_properties(tools/sdk_${_name} PROPERTIES
    ENVIRONMENT "BX_SOURCE_DIR=${CMAKE_SOURCE_DIR}" TIMEOUT 300)
endforeach()
