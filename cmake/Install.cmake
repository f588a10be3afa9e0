# `cmake --install` puts the libraries, public headers, a CMake package
# (find_package(tunnelisa) -> tunnelisa::tunnelisa) and a pkg-config file in place.
include(CMakePackageConfigHelpers)

get_property(_layers GLOBAL PROPERTY TUNNELISA_LAYERS)
install(TARGETS tunnelisa ${_layers}
        EXPORT tunnelisaTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/tunnelisa
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT tunnelisaTargets
        NAMESPACE tunnelisa::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tunnelisa)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/tunnelisaConfig.cmake.in
  ${PROJECT_BINARY_DIR}/tunnelisaConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tunnelisa)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/tunnelisaConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/tunnelisaConfig.cmake
              ${PROJECT_BINARY_DIR}/tunnelisaConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tunnelisa)

# pkg-config: static archives, listed in link order (upper layers first).
set(_pc_libs "")
list(REVERSE _layers)
foreach(_l IN LISTS _layers)
  string(APPEND _pc_libs " -l${_l}")
endforeach()
# Relocatable: the prefix is found from the .pc file's own place, so `cmake --install
# --prefix DIR` works wherever DIR is.
# The optional IPsec-MB backend's library (no .pc file of its own): for static linking only.
set(_pc_libs_private "")
if(TUNNELISA_HAVE_IPSECMB)
  set(_pc_libs_private "-lIPSec_MB")
endif()
file(RELATIVE_PATH _pc_to_prefix "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
configure_file(${PROJECT_SOURCE_DIR}/cmake/tunnelisa.pc.in ${PROJECT_BINARY_DIR}/tunnelisa.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/tunnelisa.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
