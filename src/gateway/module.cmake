# The dashboard is embedded into bx_gateway: scripts/embed-assets.py turns
# web/ (and the npm libraries it uses) into a generated C file.
if(TARGET bx_gateway)
  file(GLOB_RECURSE _web CONFIGURE_DEPENDS
       ${CMAKE_SOURCE_DIR}/web/*.html ${CMAKE_SOURCE_DIR}/web/*.css ${CMAKE_SOURCE_DIR}/web/*.js
       ${CMAKE_SOURCE_DIR}/web/*.svg)
  list(FILTER _web EXCLUDE REGEX "/node_modules/|/tests/")
  find_program(BX_PYTHON python3 REQUIRED)
  set(_gen ${CMAKE_BINARY_DIR}/gen/gateway_assets.c)
  add_custom_command(OUTPUT ${_gen}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/gen
    COMMAND ${BX_PYTHON} ${CMAKE_SOURCE_DIR}/scripts/embed-assets.py ${_gen} ${CMAKE_SOURCE_DIR}/web
    DEPENDS ${_web} ${CMAKE_SOURCE_DIR}/scripts/embed-assets.py ${CMAKE_SOURCE_DIR}/web/package.json
    COMMENT "embedding the dashboard" VERBATIM)
  target_sources(bx_gateway PRIVATE ${_gen})
endif()
