// Fuzz target: the CRL check of the suspension checks (lib/revocation/crl_check.cpp,
// pin-and-suspension.md §3.2 step 5, §3.4) fed with one or two CRL files, DER or PEM, through
// revocation::check_crls - file read, parse, issuer/AKI/signature checks, critical extensions,
// IDP scope against the leaf's CRLDP, crlNumber roll-back state, serial look-up, hold release.
//
// Input: flags (1) | length of CRL file 1 (2, big-endian) | file 1 | file 2 (optional, the rest)
//   flags bit 0: re-sign each file that parses as one DER CRL with the fixed CA key, so the
//                checks behind the signature are reachable (the fuzzer cannot forge ECDSA);
//         bit 1: with bit 0, also set the CRL issuer to the CA's DN before signing;
//         bit 2: check the leaf without a CRL distribution point;
//         bit 3: run the check twice (the second run sees the crlNumber state of the first).
#include <openssl/x509.h>

#include <cstddef>
#include <cstdio>
#include <cstdint>
#include <filesystem>

#include "../lib/revocation/sources.hpp"
#include "fuzz_input.hpp"
#include "fuzz_pki.hpp"

namespace {

using namespace mynacard;

Bytes resign(ByteView file, bool fix_issuer)
{
    const unsigned char* p = file.data();
    X509_CRL* crl = d2i_X509_CRL(nullptr, &p, static_cast<long>(file.size()));
    Bytes out(file.begin(), file.end());
    if (crl == nullptr || p != file.data() + file.size()) {
        X509_CRL_free(crl);
        return out;
    }
    const fuzz::FuzzPki& pki = fuzz::fuzz_pki();
    if (fix_issuer) X509_CRL_set_issuer_name(crl, X509_get_subject_name(pki.ca));
    if (X509_CRL_sign(crl, pki.ca_key, EVP_sha256()) > 0) {
        unsigned char* der = nullptr;
        const int len = i2d_X509_CRL(crl, &der);
        if (len > 0) out.assign(der, der + len);
        OPENSSL_free(der);
    }
    X509_CRL_free(crl);
    return out;
}

revocation::StatusResult check(const revocation::SourceInput& in, revocation::CrlNumberState& state)
{
    revocation::StatusResult r = revocation::check_crls(in, /*offline=*/true, state);
    if (fuzz::verbose())
        std::fprintf(stderr, "%s: %s\n", revocation::to_string(r.status), r.detail.c_str());
    // A definitive answer always names the CRL it came from.
    if (r.status != revocation::CertStatus::Unknown && r.source.rfind("crl:", 0) != 0) __builtin_trap();
    if (r.status == revocation::CertStatus::OnHold && r.crl_reason != 6) __builtin_trap();
    return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static fuzz::MemFile files[2];
    static const std::filesystem::path state_file = fuzz::scratch_dir() / "crl-numbers";
    const fuzz::FuzzPki& pki = fuzz::fuzz_pki();

    fuzz::ByteReader in(ByteView(data, size));
    const std::uint8_t flags = in.u8();
    const std::uint16_t first_length = in.u16();
    const ByteView raw[2] = {in.take(first_length), in.rest()};

    Config config;
    config.crl.max_bytes = 1 << 20;
    for (int i = 0; i < 2; ++i) {
        if (i == 1 && raw[1].empty()) break;
        const Bytes file = (flags & 1) != 0 ? resign(raw[i], (flags & 2) != 0) : Bytes(raw[i].begin(), raw[i].end());
        files[i].assign(file);
        config.crl.files.push_back(files[i].path());
    }

    std::error_code ec;
    std::filesystem::remove(state_file, ec);  // every input starts without roll-back history
    revocation::CrlNumberState state(state_file);
    revocation::SourceInput source;
    source.leaf = (flags & 4) != 0 ? pki.leaf_nodp : pki.leaf;
    source.issuer = pki.ca;
    source.now = fuzz::kNow;
    source.config = &config;

    (void)check(source, state);
    if ((flags & 8) != 0) (void)check(source, state);
    return 0;
}
