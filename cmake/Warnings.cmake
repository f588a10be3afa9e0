# Warnings for our own targets only (not for dependencies' headers).
function(tunnelisa_warnings target)
  if(NOT TUNNELISA_WARNINGS)
    return()
  endif()
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                         -Wnon-virtual-dtor -Wcast-align -Wnull-dereference
                         -Wimplicit-fallthrough
                         # designated initializers may omit fields that have defaults
                         -Wno-missing-field-initializers)
  if(TUNNELISA_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
