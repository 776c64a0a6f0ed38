# diff, cmp, base64, sha256sum, md5sum, tar and jq of the sandboxed shell
# against the host's GNU tools and jq (differential.sh; cases.txt must all
# match, pending.txt lists known divergences and is run by hand with
# BX_PENDING=1). Reuses the bash-native target of tests/shell/tests.cmake.
add_test(NAME shell-cmds/differential
         COMMAND ${CMAKE_SOURCE_DIR}/tests/shell-cmds/differential.sh)
set_tests_properties(shell-cmds/differential PROPERTIES
  ENVIRONMENT "BX_SOURCE_DIR=${CMAKE_SOURCE_DIR};BX_BASH_NATIVE=$<TARGET_FILE:bash-native>;BX_BASH_WASM=${CMAKE_BINARY_DIR}/guests/bash.wasm"
  TIMEOUT 900)
