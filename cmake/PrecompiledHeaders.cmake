# Precompiled headers: the standard library, absl and (for tests) gtest/gmock headers that
# nearly every file includes are compiled once per build and kind of target instead of once
# per file (docs/testing.md, "CI time": most of a file's compile time goes to these headers).
#
# On by default only in our own unoptimised (Debug) builds, such as .ci/run's ASan + UBSan one.
# With optimisation, GCC 12's flow-based warnings (-Warray-bounds and the like, which inline
# the standard library into our code) do not come out the same with a precompiled header:
# src/dataplane/gre_vectors_test.cc gets a false -Warray-bounds at -O2 with one and not without,
# and -Werror makes that an error. Unoptimised, those warnings do not run.
#
# Only third-party headers go in, never one of ours: a precompiled header is included before
# everything else in every file of a target, and our headers' macros and declarations must stay
# where the files put them. The price is that a file which forgets one of these includes still
# compiles with them; the builds without them (every optimised one, a host's) catch that.
#
# One header per kind of target, shared with REUSE_FROM: a precompiled header is only valid in
# a compilation with the same flags and definitions as its own, so each owner below gets
# exactly the flags of the targets that reuse it (gcc checks with -Winvalid-pch, which -Werror
# makes an error; clang refuses a mismatched one).
if(PROJECT_IS_TOP_LEVEL AND CMAKE_BUILD_TYPE STREQUAL "Debug")
  set(_tunnelisa_pch_default ON)
else()
  set(_tunnelisa_pch_default OFF)
endif()
option(TUNNELISA_PCH "Precompile the standard, absl and gtest headers of tunnelisa's targets"
       ${_tunnelisa_pch_default})

# The standard and absl headers the library's files include most (absl/status/status.h alone
# brings in Cord, Time and Mutex).
set(TUNNELISA_PCH_LIBRARY_HEADERS
    <algorithm> <array> <atomic> <chrono> <cstddef> <cstdint> <cstring> <functional> <map>
    <memory> <optional> <set> <span> <string> <string_view> <utility> <vector>
    <absl/container/flat_hash_map.h> <absl/status/status.h> <absl/status/statusor.h>
    <absl/strings/str_cat.h> <absl/strings/str_format.h>)
set(TUNNELISA_PCH_TEST_HEADERS ${TUNNELISA_PCH_LIBRARY_HEADERS}
    <filesystem> <fstream> <sstream> <gmock/gmock.h> <gtest/gtest.h>)

# The layers' header (static libraries: position-independent code, as the layers), and the
# owners' sources: a target needs a file of its own besides its precompiled header.
if(TUNNELISA_PCH)
  set(_tunnelisa_pch_anchor ${PROJECT_BINARY_DIR}/pch/anchor.cc)
  file(CONFIGURE OUTPUT ${_tunnelisa_pch_anchor}
       CONTENT "// The precompiled headers' owner targets (cmake/PrecompiledHeaders.cmake).\n")
  set(_tunnelisa_pch_main ${PROJECT_BINARY_DIR}/pch/main.cc)
  file(CONFIGURE OUTPUT ${_tunnelisa_pch_main}
       CONTENT "// The tests' precompiled header owner (cmake/Testing.cmake).\nint main() { return 0; }\n")
  add_library(tunnelisa_library_pch OBJECT EXCLUDE_FROM_ALL ${_tunnelisa_pch_anchor})
  target_link_libraries(tunnelisa_library_pch PRIVATE absl::status absl::statusor absl::strings
                        absl::str_format absl::flat_hash_map)
  tunnelisa_warnings(tunnelisa_library_pch)
  target_precompile_headers(tunnelisa_library_pch PRIVATE ${TUNNELISA_PCH_LIBRARY_HEADERS})
endif()

# tunnelisa_library_pch(TARGET): TARGET (a library layer) reuses the layers' header.
function(tunnelisa_library_pch target)
  if(TUNNELISA_PCH)
    target_precompile_headers(${target} REUSE_FROM tunnelisa_library_pch)
  endif()
endfunction()

# tunnelisa_executable_pch(TARGET): an executable of ours (not a test) gets its own header:
# executables compile as position-independent executables (-fPIE), which a library's header
# (-fPIC) does not fit.
function(tunnelisa_executable_pch target)
  if(TUNNELISA_PCH)
    target_precompile_headers(${target} PRIVATE ${TUNNELISA_PCH_LIBRARY_HEADERS})
  endif()
endfunction()
