# Engine benchmark: `cmake --build <dir> --target bench-wasm` (make bench-wasm).
# The kernels are built natively (gcc -O2, linked into the harness) and to
# wasm32-wasi with clang-14 -O2 -mbulk-memory (no libc: -nostdlib).
set(BX_BENCH_WASM_FLAGS --target=wasm32-wasi -O2 -mbulk-memory -nostdlib -fuse-ld=lld
    -Wl,--no-entry)
set(_bench_dir ${CMAKE_BINARY_DIR}/bench)
foreach(_k kernels big)
  add_custom_command(OUTPUT ${_bench_dir}/${_k}.wasm
    COMMAND ${CMAKE_COMMAND} -E make_directory ${_bench_dir}
    COMMAND ${BX_GUEST_CC} ${BX_BENCH_WASM_FLAGS} ${CMAKE_SOURCE_DIR}/bench/kernels/${_k}.c
            -o ${_bench_dir}/${_k}.wasm
    DEPENDS ${CMAKE_SOURCE_DIR}/bench/kernels/${_k}.c
    COMMENT "bench ${_k}.wasm" VERBATIM)
endforeach()
add_custom_target(bench_wasm_modules DEPENDS ${_bench_dir}/kernels.wasm ${_bench_dir}/big.wasm)
if(TARGET bx_wasm)
  add_library(bench_kernels_native STATIC EXCLUDE_FROM_ALL ${CMAKE_SOURCE_DIR}/bench/kernels/kernels.c)
  # -O2 after the build type's flags, so the baseline is gcc -O2 as documented.
  target_compile_options(bench_kernels_native PRIVATE -O2)
  add_executable(bench_wasm EXCLUDE_FROM_ALL ${CMAKE_SOURCE_DIR}/bench/bench_wasm.c)
  target_compile_options(bench_wasm PRIVATE ${BX_WARNINGS})
  target_link_libraries(bench_wasm PRIVATE bx_wasm bench_kernels_native m)
  add_dependencies(bench_wasm bench_wasm_modules)
  add_custom_target(bench-wasm
    COMMAND bench_wasm ${_bench_dir}/kernels.wasm ${_bench_dir}/big.wasm
    DEPENDS bench_wasm bench_wasm_modules USES_TERMINAL)
endif()
