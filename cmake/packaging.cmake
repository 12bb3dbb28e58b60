# Debian packages with CPack (issue 11 §4): `cpack -G DEB` in a build configured with
# -DCMAKE_INSTALL_PREFIX=/usr -DMYNACARD_DEBIAN_LAYOUT=ON (tools/dev/build-deb.sh does both)
# makes two packages from the install components:
#   mynacard      (component "runtime"): libmynacard.so.0, the PKCS#11 module in the multiarch
#                 /usr/lib/<triplet>/pkcs11/ (p11-kit's module directory), the p11-kit .module
#                 file, card-cp with its man page and bash completion, the J-LIS anchors;
#   mynacard-dev  (component "dev"): headers, the libmynacard.so link, mynacard.pc, the CMake
#                 package.
# Every install() without a COMPONENT is "runtime" (CMAKE_INSTALL_DEFAULT_COMPONENT_NAME, set
# in the top-level CMakeLists.txt before any install rule).

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME mynacard)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "mynacard")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "")
# The Maintainer field. The project has no mail address of its own: a distributor sets theirs.
set(MYNACARD_PACKAGE_MAINTAINER "mynacard developers <mynacard@localhost>" CACHE STRING
    "Maintainer field of the Debian packages")
set(CPACK_PACKAGE_CONTACT "${MYNACARD_PACKAGE_MAINTAINER}")
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL runtime dev)
set(CPACK_DEB_COMPONENT_INSTALL ON)
# A native package (no Debian revision): the tree is its own upstream. <name>_<version>_<arch>.deb
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Library dependencies from the ELF files themselves (dpkg-shlibdeps): libpcsclite1, libssl3,
# libtasn1-6, libinih1, libcurl4, libc6, libstdc++6, libgcc-s1.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME mynacard)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION misc)
# pcscd: the card is reached through it (libpcsclite1 alone talks to nobody). p11-kit: its
# proxy is how p11-kit-aware programs find the module through mynacard.module; libnss3-tools:
# `card-cp setup` runs modutil/certutil. Recommended, not required: the module works without them.
set(CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS "pcscd")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_RECOMMENDS "p11-kit, p11-kit-modules, libnss3-tools")
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION
"Middleware for the Japanese My Number card (JPKI)
A PKCS#11 module for the My Number card's user-authentication (利用者証明用) and
digital-signature (署名用) keys, registered with p11-kit so that p11-kit-aware
programs see the card without set-up, and card-cp, a command-line tool for the
card: status, certificates, signing and verifying, PIN changes, suspension
checks, and `card-cp setup` for Firefox and Chromium.")
# The first line of each description is the synopsis. CPACK_PACKAGE_DESCRIPTION_SUMMARY is set
# empty on purpose: CPack would default it to PROJECT_DESCRIPTION and CPackDeb would put it in
# front of both descriptions as a second synopsis.
# libmynacard.so.0 is in the package: ldconfig runs through dpkg's trigger, and the shlibs file
# tells dpkg-shlibdeps of other packages which package provides it.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/cmake/debian/triggers)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_DEV_PACKAGE_NAME mynacard-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
# The headers include OpenSSL's; mynacard.pc's Requires.private and the CMake package's
# find_dependency() need these .pc files and CMake modules at build time of a consumer.
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
  "mynacard (= ${PROJECT_VERSION}), libpcsclite-dev, libssl-dev, libtasn1-6-dev, libinih-dev, libcurl4-openssl-dev, pkg-config")
set(CPACK_DEBIAN_DEV_DESCRIPTION
"Middleware for the Japanese My Number card (JPKI) - development files
Headers, the pkg-config file (mynacard.pc) and the CMake package
(find_package(mynacard)) for programs that use libmynacard, the My Number card
(JPKI) library: card access, certificates, PINs and signatures.")

# What Debian policy asks of every package (§12.5 copyright, §12.7 changelog, §12.1 compressed
# manual pages: tools/card-cp/CMakeLists.txt): only for package builds, a plain
# `cmake --install` keeps the upstream layout.
if(MYNACARD_DEBIAN_LAYOUT)
  find_program(GZIP_EXECUTABLE gzip REQUIRED)
  string(TIMESTAMP MYNACARD_CHANGELOG_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/debian/changelog.in ${PROJECT_BINARY_DIR}/debian/changelog @ONLY)
  add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/debian/changelog.gz
    COMMAND ${GZIP_EXECUTABLE} -9nc ${PROJECT_BINARY_DIR}/debian/changelog > ${PROJECT_BINARY_DIR}/debian/changelog.gz
    DEPENDS ${PROJECT_BINARY_DIR}/debian/changelog VERBATIM)
  add_custom_target(mynacard_debian_changelog ALL DEPENDS ${PROJECT_BINARY_DIR}/debian/changelog.gz)
  foreach(component runtime dev)
    set(pkg mynacard)
    if(component STREQUAL "dev")
      set(pkg mynacard-dev)
    endif()
    install(FILES ${PROJECT_SOURCE_DIR}/cmake/debian/copyright ${PROJECT_BINARY_DIR}/debian/changelog.gz
            DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${pkg} COMPONENT ${component})
  endforeach()
endif()

include(CPack)
