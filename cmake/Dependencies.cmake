# Debian packages only: libssl-dev, libsodium-dev, libabsl-dev, libgtest-dev, libbenchmark-dev.
# Nothing is downloaded.
find_package(OpenSSL 3.0 REQUIRED COMPONENTS Crypto)
find_package(absl REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium>=1.0.18)
if(TUNNELISA_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(TUNNELISA_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
find_package(Threads REQUIRED)
