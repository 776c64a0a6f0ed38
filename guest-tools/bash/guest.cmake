# The shell recurses (functions, subshells, substitutions) and guards its
# depth with sh_stack_ok() at 3 MiB, so it gets an 8 MiB wasm stack instead
# of lld's 64 KiB default. Sources: this folder plus the sdk.
file(GLOB _bash_src CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/guest-tools/bash/*.c)
bx_guest(bash _wasm SOURCES ${_bash_src} ${_sdk_src}
         INCLUDES ${CMAKE_SOURCE_DIR}/guest-tools/sdk
         FLAGS -Wl,-z,stack-size=8388608)
list(APPEND BX_GUEST_TOOLS bash)
