# -DTUNNELISA_SANITIZE=address,undefined  or  -DTUNNELISA_SANITIZE=thread
if(TUNNELISA_SANITIZE)
  set(_san "-fsanitize=${TUNNELISA_SANITIZE}")
  if(TUNNELISA_SANITIZE MATCHES "undefined")
    string(APPEND _san " -fno-sanitize-recover=undefined")
  endif()
  add_compile_options(${_san} -fno-omit-frame-pointer -g)
  separate_arguments(_san_list UNIX_COMMAND "${_san}")
  add_link_options(${_san_list})
endif()

# Fuzz builds: every target gets coverage instrumentation (and ASan/UBSan), so libFuzzer sees
# the library's branches, not just the fuzz target's own file.
if(TUNNELISA_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=address,undefined)
endif()
