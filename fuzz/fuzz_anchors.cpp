// Fuzz target: trust-anchor files (lib/revocation/anchors.cpp, pin-and-suspension.md §3.2
// step 2): PEM (several certificates) or one DER certificate per file, the JPKI-TEST filter,
// then the issuer search for the fixed test leaf (DN, key identifiers, CA, validity, signature).
// Input: flags (1; bit 0 = trust.accept_test_hierarchy) | anchor file.
#include <cstddef>
#include <cstdint>
#include <string>

#include "../lib/revocation/anchors.hpp"
#include "fuzz_input.hpp"
#include "fuzz_pki.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace mynacard;
    static fuzz::MemFile file;
    fuzz::ByteReader in(ByteView(data, size));
    Config::Trust trust;
    trust.accept_test_hierarchy = (in.u8() & 1) != 0;
    file.assign(in.rest());
    trust.anchors.push_back(file.path());

    const revocation::AnchorSet set = revocation::load_anchors(trust);
    if (set.anchors.empty() && set.refused_test.empty() && set.problems.empty()) __builtin_trap();
    if (!trust.accept_test_hierarchy)
        for (const auto& a : set.anchors)
            if (revocation::is_test_hierarchy(X509_get_subject_name(a.get()))) __builtin_trap();

    std::string why;
    X509* issuer = revocation::find_issuer(set, fuzz::fuzz_pki().leaf, fuzz::kNow, why);
    if (issuer == nullptr) {
        if (why.rfind("untrusted issuer: ", 0) != 0) __builtin_trap();
    } else {
        bool listed = false;
        for (const auto& a : set.anchors) listed |= a.get() == issuer;
        if (!listed) __builtin_trap();
    }
    return 0;
}
