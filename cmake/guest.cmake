# Guest (wasm32-wasi) programs, built with clang-14 outside CMake's C toolchain.
# bx_guest(NAME OUT_VAR SOURCES a.c b.c [INCLUDES dir...] [FLAGS ...])
# builds ${CMAKE_BINARY_DIR}/guests/NAME.wasm and sets OUT_VAR to its path.
find_program(BX_GUEST_CC NAMES clang-14 REQUIRED)
set(BX_GUEST_CFLAGS --target=wasm32-wasi -O2 -mbulk-memory -ftls-model=local-exec -nostdlibinc
    -isystem /usr/include/wasm32-wasi -fuse-ld=lld -Wall -Wextra -Werror
    -Wno-unused-parameter)
add_custom_target(guests ALL)

function(bx_guest name out_var)
  cmake_parse_arguments(G "" "" "SOURCES;INCLUDES;FLAGS" ${ARGN})
  set(_out ${CMAKE_BINARY_DIR}/guests/${name}.wasm)
  set(_inc "")
  foreach(i IN LISTS G_INCLUDES)
    list(APPEND _inc -I${i})
  endforeach()
  add_custom_command(OUTPUT ${_out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/guests
    COMMAND ${BX_GUEST_CC} ${BX_GUEST_CFLAGS} ${_inc} ${G_FLAGS} ${G_SOURCES} -o ${_out}
    DEPENDS ${G_SOURCES}
    COMMENT "guest ${name}.wasm" VERBATIM)
  add_custom_target(guest_${name} DEPENDS ${_out})
  add_dependencies(guests guest_${name})
  set(${out_var} ${_out} PARENT_SCOPE)
endfunction()
