# src/llm: embed data/models.json (the model catalog) into the library as a
# generated C array, regenerated whenever the data file changes.
if(TARGET bx_llm)
  set(_llm_models_c ${CMAKE_BINARY_DIR}/gen/llm_models.c)
  add_custom_command(
    OUTPUT ${_llm_models_c}
    COMMAND ${CMAKE_COMMAND} -DIN=${CMAKE_SOURCE_DIR}/data/models.json -DOUT=${_llm_models_c}
            -DSYMBOL=llm__models_json -P ${CMAKE_SOURCE_DIR}/src/llm/embed.cmake
    DEPENDS ${CMAKE_SOURCE_DIR}/data/models.json ${CMAKE_SOURCE_DIR}/src/llm/embed.cmake
    COMMENT "Embedding data/models.json")
  target_sources(bx_llm PRIVATE ${_llm_models_c})
endif()
