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

# Intel IPsec-MB (Debian libipsec-mb-dev, no pkg-config file): the optional `ipsecmb` crypto
# backend (src/crypto/ipsecmb_backend.cc). Found with find_path / find_library; when it is
# absent (another distribution, another CPU architecture) the build says so once and goes on
# without that backend. TUNNELISA_IPSECMB=OFF leaves it out even when present.
option(TUNNELISA_IPSECMB "Build the Intel IPsec-MB crypto backend when the library is found" ON)
set(TUNNELISA_HAVE_IPSECMB OFF)
if(TUNNELISA_IPSECMB)
  find_path(IPSECMB_INCLUDE_DIR intel-ipsec-mb.h)
  find_library(IPSECMB_LIBRARY NAMES IPSec_MB)
  if(IPSECMB_INCLUDE_DIR AND IPSECMB_LIBRARY AND EXISTS ${IPSECMB_INCLUDE_DIR}/intel-ipsec-mb.h)
    file(STRINGS ${IPSECMB_INCLUDE_DIR}/intel-ipsec-mb.h _imb_version
         REGEX "^#define IMB_VERSION_STR ")
    string(REGEX REPLACE ".*\"(.*)\".*" "\\1" _imb_version "${_imb_version}")
    # 1.3 is Debian 12's; the job API, init_mb_mgr_auto and the CFB helper used are older.
    if(_imb_version VERSION_GREATER_EQUAL 1.0)
      set(TUNNELISA_HAVE_IPSECMB ON)
    endif()
  endif()
  if(TUNNELISA_HAVE_IPSECMB)
    set(_imb_msg "Intel IPsec-MB ${_imb_version}: ${IPSECMB_LIBRARY} (ipsecmb crypto backend on)")
  else()
    set(_imb_msg "Intel IPsec-MB >= 1.0 not found (install libipsec-mb-dev): building without "
                 "the ipsecmb crypto backend")
  endif()
  string(CONCAT _imb_msg ${_imb_msg})
  # Once per build directory, not at every re-configure.
  if(NOT "${_imb_msg}" STREQUAL "${TUNNELISA_IPSECMB_REPORTED}")
    message(STATUS "${_imb_msg}")
    set(TUNNELISA_IPSECMB_REPORTED "${_imb_msg}" CACHE INTERNAL "")
  endif()
endif()
