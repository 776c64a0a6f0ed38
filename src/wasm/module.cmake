# wasm module extras. GCC's -Wmaybe-uninitialized cannot see through the
# TRY(...) early returns of the decoder and gives false positives there.
target_compile_options(bx_wasm PRIVATE $<$<C_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>)
if(BX_SWITCH_DISPATCH)
  target_compile_definitions(bx_wasm PRIVATE WASM_SWITCH_DISPATCH=1)
endif()
# The switch-dispatch variant of the engine, always built, so the fallback
# interpreter is tested alongside the computed-goto one (tests/spec).
file(GLOB _wasm_src CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/wasm/*.c)
add_library(bx_wasm_switch STATIC EXCLUDE_FROM_ALL ${_wasm_src})
target_include_directories(bx_wasm_switch PUBLIC ${CMAKE_SOURCE_DIR}/src ${CMAKE_BINARY_DIR}/gen)
target_compile_options(bx_wasm_switch PRIVATE ${BX_WARNINGS}
  $<$<C_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>)
target_compile_definitions(bx_wasm_switch PRIVATE WASM_SWITCH_DISPATCH=1)
target_link_libraries(bx_wasm_switch PUBLIC bx_util m)
