# `cmake --install` layout and `cpack -G DEB` (issue "Operator experience").
#
#   PREFIX/bin/fulcrum, PREFIX/bin/fulcrumctl
#   /etc/fulcrum/fulcrum.toml               (PREFIX/etc/fulcrum when PREFIX is not /usr)
#   PREFIX/lib/systemd/system/fulcrum.service
#   PREFIX/share/fulcrum/grafana/fulcrum.json, PREFIX/share/fulcrum/prometheus.yml
#   PREFIX/share/doc/fulcrum/README.md
#
# The .deb installs with PREFIX /usr (so the unit's /usr/bin/fulcrum exists).

# Installing and packaging take the tree as built: `cpack` then does not rebuild every
# target first (its "preinstall" step), which keeps the packaging test fast. Build first.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY TRUE)

install(TARGETS fulcrum RUNTIME DESTINATION bin)
if(TARGET fulcrumctl)
  install(TARGETS fulcrumctl RUNTIME DESTINATION bin)
endif()

# The config lives in /etc for a /usr install (the FHS place; the .deb marks it a
# conffile), next to the prefix otherwise. Decided at install time, where
# CMAKE_INSTALL_PREFIX is the prefix actually used (cmake --install --prefix, cpack).
set(FULCRUM_EXAMPLE_CONFIG "${PROJECT_SOURCE_DIR}/conf/example.toml")
install(CODE "
  if(CMAKE_INSTALL_PREFIX STREQUAL \"/usr\")
    set(fulcrum_config_dir \"/etc/fulcrum\")
  else()
    set(fulcrum_config_dir \"\${CMAKE_INSTALL_PREFIX}/etc/fulcrum\")
  endif()
  file(INSTALL \"${FULCRUM_EXAMPLE_CONFIG}\" DESTINATION \"\${fulcrum_config_dir}\"
       RENAME fulcrum.toml PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
")

install(FILES conf/fulcrum.service DESTINATION lib/systemd/system)
if(EXISTS "${PROJECT_SOURCE_DIR}/conf/grafana/fulcrum.json")
  install(FILES conf/grafana/fulcrum.json DESTINATION share/fulcrum/grafana)
endif()
if(EXISTS "${PROJECT_SOURCE_DIR}/conf/prometheus.yml")
  install(FILES conf/prometheus.yml DESTINATION share/fulcrum)
endif()
install(FILES README.md DESTINATION share/doc/fulcrum)

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "fulcrum")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "fulcrum maintainers <fulcrum@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "layer-4 TCP/UDP load balancer")
set(CPACK_PACKAGE_FILE_NAME "fulcrum_${PROJECT_VERSION}_amd64")
# DESTDIR staging keeps CMAKE_INSTALL_PREFIX at /usr during packaging, which the config
# rule above relies on to put the file in /etc.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX "/usr")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE "amd64")
# dpkg-shlibdeps derives Depends from the binaries' shared libraries (libuv1, libssl3,
# libfmt9, libprometheus-cpp-core1.0, libcivetweb1, …), with their versions.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd")
# conffiles: dpkg keeps an edited /etc/fulcrum/fulcrum.toml on upgrade and asks first.
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA "${PROJECT_SOURCE_DIR}/packaging/postinst;${PROJECT_SOURCE_DIR}/packaging/conffiles")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
