# -DTUNNELISA_SANITIZE=address,undefined  or  -DTUNNELISA_SANITIZE=thread
if(TUNNELISA_SANITIZE)
  set(_san_flags -fsanitize=${TUNNELISA_SANITIZE})
  if(TUNNELISA_SANITIZE MATCHES "undefined")
    list(APPEND _san_flags -fno-sanitize-recover=undefined)
  endif()
  add_compile_options(${_san_flags} -fno-omit-frame-pointer -g)
  add_link_options(${_san_flags})
endif()

# Fuzz builds: every target gets coverage instrumentation (and ASan/UBSan), so libFuzzer sees
# the library's branches, not just the fuzz target's own file.
if(TUNNELISA_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -g)
  # TUNNELISA_FUZZING: test hooks that must never exist in a real build (IKE's null crypto).
  add_compile_definitions(TUNNELISA_FUZZING)
  add_link_options(-fsanitize=address,undefined)
endif()
