# SIMD end to end: tests/simd/kernels.c is built to wasm32 with -msimd128
# (run by the engine) and natively as scalar reference code; the test
# compares the two per kernel and seed. -ffp-contract=off keeps the native
# float arithmetic unfused, as wasm's is.
if(TARGET bx_wasm)
  bx_guest(simd_kernels _simd_kernels_wasm SOURCES ${CMAKE_SOURCE_DIR}/tests/simd/kernels.c
           FLAGS -msimd128 -nostartfiles -Wl,--no-entry)
  add_executable(simd_test_kernels ${CMAKE_SOURCE_DIR}/tests/simd/test_simd_kernels.c
                 ${CMAKE_SOURCE_DIR}/tests/simd/kernels.c)
  target_include_directories(simd_test_kernels PRIVATE ${CMAKE_SOURCE_DIR}/tests)
  target_compile_options(simd_test_kernels PRIVATE ${BX_WARNINGS} -ffp-contract=off)
  target_link_libraries(simd_test_kernels PRIVATE bx_wasm m)
  add_dependencies(simd_test_kernels guest_simd_kernels)
  add_test(NAME simd/kernels COMMAND simd_test_kernels)
  set_tests_properties(simd/kernels PROPERTIES
    ENVIRONMENT "BX_SIMD_KERNELS_WASM=${_simd_kernels_wasm}" TIMEOUT 300)
  # The same against the switch-dispatch interpreter (src/wasm/module.cmake).
  if(TARGET bx_wasm_switch)
    add_executable(simd_test_kernels_switch EXCLUDE_FROM_ALL
                   ${CMAKE_SOURCE_DIR}/tests/simd/test_simd_kernels.c
                   ${CMAKE_SOURCE_DIR}/tests/simd/kernels.c)
    target_include_directories(simd_test_kernels_switch PRIVATE ${CMAKE_SOURCE_DIR}/tests)
    target_compile_options(simd_test_kernels_switch PRIVATE ${BX_WARNINGS} -ffp-contract=off)
    target_link_libraries(simd_test_kernels_switch PRIVATE bx_wasm_switch m)
    add_dependencies(simd_test_kernels_switch guest_simd_kernels)
    add_custom_target(simd_test_kernels_switch_build ALL DEPENDS simd_test_kernels_switch)
    add_test(NAME simd/kernels-switch COMMAND simd_test_kernels_switch)
    set_tests_properties(simd/kernels-switch PROPERTIES
      ENVIRONMENT "BX_SIMD_KERNELS_WASM=${_simd_kernels_wasm}" TIMEOUT 300)
  endif()

  # Differential: random modules moving v128 through locals, globals,
  # select, blocks/loops/ifs with params, branches, calls, memory; run by
  # wabt's wasm-interp and by us (tests/simd/diff_wabt.py). 100 modules.
  find_package(Python3 COMPONENTS Interpreter)
  if(NOT Python3_EXECUTABLE)
    set(Python3_EXECUTABLE python3)  # the test then fails loudly, never skips
  endif()
  add_executable(simd_run_exports ${CMAKE_SOURCE_DIR}/tests/simd/run_exports.c)
  target_compile_options(simd_run_exports PRIVATE ${BX_WARNINGS})
  target_link_libraries(simd_run_exports PRIVATE bx_wasm)
  add_test(NAME simd/diff-wabt
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/simd/diff_wabt.py
                   $<TARGET_FILE:simd_run_exports> 1 100
           WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
  set_tests_properties(simd/diff-wabt PROPERTIES TIMEOUT 600)
  # The same modules with random byte edits in their code: accept/reject
  # must agree with wabt's wasm-validate (400 mutants).
  add_test(NAME simd/validate-wabt
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/simd/validate_wabt.py
                   $<TARGET_FILE:simd_run_exports> 1 10 40
           WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
  set_tests_properties(simd/validate-wabt PROPERTIES TIMEOUT 600)
endif()
