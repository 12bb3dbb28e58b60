// Trust anchors for `verify` (and chain display): [trust] anchors from the configuration
// (files, directories or globs), else the shipped J-LIS generation-3 roots
// (revocation::default_anchors_directory(): $MYNACARD_ANCHORS_DIR, share/mynacard/anchors, or
// the source tree's copy), plus --ca files. Certificates of the
// O=JPKI-TEST hierarchy are ignored unless explicitly accepted (--accept-test-hierarchy or
// [trust] accept_test_hierarchy = true).
#pragma once

#include <string>
#include <vector>

#include "context.hpp"
#include "ossl.hpp"

namespace mynacard::cli {

struct TrustOptions {
    std::vector<std::string> ca_files;
    bool no_default_anchors = false;
    bool accept_test_hierarchy = false;
};

struct TrustStore {
    X509StorePtr store;
    std::vector<std::string> anchors;  ///< subjects of the loaded anchors
};

/// True for certificates of the test hierarchy (O=JPKI-TEST in the subject).
bool is_test_hierarchy(X509* cert);

TrustStore build_trust_store(Context& ctx, const TrustOptions& options);

}  // namespace mynacard::cli
