// A test laboratory: a CA configured as the only trust anchor, a private cache directory, an
// injected clock, and a Checker built from the Config as the test left it.
#pragma once

#include <memory>

#include "checker.hpp"
#include "fixtures.hpp"
#include "mynacard/config.hpp"

namespace revtest {

struct Lab {
    TempDir dir;
    Identity ca;
    std::time_t now = kNow;
    mynacard::Config config;

    explicit Lab(CaOptions ca_options = {}) : ca(make_ca(ca_options))
    {
        write_file(dir / "ca.pem", to_pem(ca.x509()));
        config.trust.anchors = {dir / "ca.pem"};
        config.cache.directory = dir / "cache";
        config.revocation.mode = {"ocsp", "crl"};
    }

    mynacard::revocation::Clock clock()
    {
        return [this] { return now; };
    }

    std::unique_ptr<mynacard::revocation::Checker> checker()
    {
        return std::make_unique<mynacard::revocation::Checker>(config, clock());
    }

    /// Installs `crl` as the one configured CRL file.
    void use_crl(const mynacard::Bytes& crl, const std::string& name = "ca.crl")
    {
        write_file(dir / name, crl);
        config.crl.files = {dir / name};
    }
};

}  // namespace revtest
