// Trust anchors for the suspension checks (step 2, pin-and-suspension.md §3.2): loaded only from
// configuration (or the shipped J-LIS roots), never from the card.
#pragma once

#include <ctime>
#include <string>
#include <vector>

#include "mynacard/config.hpp"
#include "mynacard/result.hpp"
#include "ossl.hpp"

namespace mynacard::revocation {

struct AnchorSet {
    std::vector<ossl::X509Ptr> anchors;
    /// O=JPKI-TEST anchors left out because trust.accept_test_hierarchy is false.
    std::vector<ossl::X509Ptr> refused_test;
    /// Files that could not be used, for details ("path: reason").
    std::vector<std::string> problems;
};

/// True when any O (organizationName) of `name` is "JPKI-TEST" (the test-card hierarchy).
bool is_test_hierarchy(const X509_NAME* name);

/// Loads every certificate from Config::trust.anchors (files, directories -> *.pem/*.crt/*.cer,
/// globs), or from default_anchors_directory() when the list is empty. PEM (several per file) or
/// one DER certificate per file. Errors are collected in `problems`, never fatal.
AnchorSet load_anchors(const Config::Trust& trust);

/// The issuer of `leaf` among the anchors: same DN, matching key identifiers
/// (X509_check_issued: AKI of the leaf vs SKI of the anchor, keyCertSign), CA, valid at `now`,
/// and the leaf's signature verifies with its key. Generations sharing a DN are told apart here.
/// On failure `why` says what was missing ("untrusted issuer: ...").
X509* find_issuer(const AnchorSet& set, X509* leaf, std::time_t now, std::string& why);

}  // namespace mynacard::revocation
