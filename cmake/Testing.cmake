# tunnelisa_test(NAME SOURCES ... [LIBS ...] [LABELS ...] [PREFIX p]): one gtest binary in
# <build>/bin, each test case registered with ctest (label `unit` unless told otherwise; with
# PREFIX, named `p<Suite>.<Case>` so that `ctest -R p` selects them).
function(tunnelisa_test name)
  if(NOT TUNNELISA_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(T "" "PREFIX" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} tunnelisa_test_tools GTest::gtest
                        GTest::gmock GTest::gtest_main)
  tunnelisa_warnings(${name})
  # g++ 12 at -O3 reports "potential null pointer dereference" all over test code that indexes
  # freshly sized std::vectors and inside gtest's own EXPECT_EQ (false positives: the vectors
  # are never empty). The library and tools keep the warning as an error at every level
  # (.ci/run's Release build); the tests only at the levels where it is reliable.
  target_compile_options(${name} PRIVATE $<$<CONFIG:Release>:-Wno-null-dereference>)
  target_compile_definitions(${name} PRIVATE
    TUNNELISA_BINARY_DIR="${PROJECT_BINARY_DIR}")  # TUNNELISA_SOURCE_DIR: from test tools
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  # One label only: CMake 3.25's gtest_discover_tests splits a list value in PROPERTIES, so a
  # second label would be read as a property name.
  gtest_discover_tests(${name} TEST_PREFIX "${T_PREFIX}" PROPERTIES LABELS "${T_LABELS}"
                       DISCOVERY_TIMEOUT 60)
endfunction()
