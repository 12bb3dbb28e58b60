// Where the shipped trust anchors live (pin-and-suspension.md §2.4, §3.7 [trust]).
//
// mynacard ships the generation-3 J-LIS roots (auth_ca_2023.pem, sign_ca_2023.pem) and installs
// them to <datadir>/mynacard/anchors. When Config::trust.anchors is empty, the suspension checks
// trust every *.pem in default_anchors_directory() - never the CA certificate read from a card.
#pragma once

#include <filesystem>

namespace mynacard::revocation {

/// The install location, fixed at build time: ${CMAKE_INSTALL_FULL_DATADIR}/mynacard/anchors.
std::filesystem::path installed_anchors_directory();

/// The directory used when Config::trust.anchors is empty, first match wins:
///  1. $MYNACARD_ANCHORS_DIR (override, e.g. for a relocated install or a test);
///  2. installed_anchors_directory(), when it exists (production);
///  3. the source tree's lib/revocation/anchors (build-tree fallback, so tests run uninstalled).
std::filesystem::path default_anchors_directory();

}  // namespace mynacard::revocation
