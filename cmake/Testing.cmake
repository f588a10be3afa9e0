# _tunnelisa_test_flags(TARGET): what every test binary compiles with, and so the tests'
# precompiled header too (it is only valid in compilations with its own flags). No target of
# ours is linked here: the header's owner must not wait for the library to be built.
function(_tunnelisa_test_flags target)
  target_link_libraries(${target} PRIVATE GTest::gtest GTest::gmock)
  tunnelisa_warnings(${target})
  # g++ 12 at -O3 reports "potential null pointer dereference" all over test code that indexes
  # freshly sized std::vectors and inside gtest's own EXPECT_EQ (false positives: the vectors
  # are never empty). The library and tools keep the warning as an error at every level
  # (.ci/run's Release build); the tests only at the levels where it is reliable.
  target_compile_options(${target} PRIVATE $<$<CONFIG:Release>:-Wno-null-dereference>)
  # No path of the checkout or the build is compiled in: tests find their data through
  # tunnelisa::testing::SourceDir() (tests/test_tools/vector_file.h), so their objects are the
  # same in every worktree and ccache shares them.
endfunction()

# The tests' precompiled header (cmake/PrecompiledHeaders.cmake): its owner is an executable
# like the tests (-fPIE), built only because the tests reuse its header.
if(TUNNELISA_BUILD_TESTS AND TUNNELISA_PCH)
  add_executable(tunnelisa_test_pch EXCLUDE_FROM_ALL ${_tunnelisa_pch_main})
  set_target_properties(tunnelisa_test_pch PROPERTIES RUNTIME_OUTPUT_DIRECTORY
                        ${PROJECT_BINARY_DIR}/pch)
  _tunnelisa_test_flags(tunnelisa_test_pch)
  target_precompile_headers(tunnelisa_test_pch PRIVATE ${TUNNELISA_PCH_TEST_HEADERS})
endif()

# tunnelisa_test(NAME SOURCES ... [LIBS ...] [LABELS ...] [PREFIX p]): one gtest binary in
# <build>/bin, each test case registered with ctest (label `unit` unless told otherwise; with
# PREFIX, named `p<Suite>.<Case>` so that `ctest -R p` selects them).
function(tunnelisa_test name)
  if(NOT TUNNELISA_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(T "" "PREFIX" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} tunnelisa_test_tools)
  _tunnelisa_test_flags(${name})
  target_link_libraries(${name} PRIVATE GTest::gtest_main)
  if(TUNNELISA_PCH)
    target_precompile_headers(${name} REUSE_FROM tunnelisa_test_pch)
  endif()
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  # One label only: CMake 3.25's gtest_discover_tests splits a list value in PROPERTIES, so a
  # second label would be read as a property name.
  gtest_discover_tests(${name} TEST_PREFIX "${T_PREFIX}" PROPERTIES LABELS "${T_LABELS}"
                       DISCOVERY_TIMEOUT 60)
endfunction()
