// Test PKI for the virtual card, generated with OpenSSL when tests run: two CAs shaped like
// JPKI's (O=JPKI-TEST hierarchy: "JPKI for user authentication" / "JPKI for digital
// signature"), an auth certificate with no personal data, and a signing certificate carrying
// name, address, birth date and sex in SubjectAltName otherName under 1.2.392.200149.8.5.5.x.
#pragma once

#include <ctime>
#include <filesystem>
#include <optional>
#include <string>

#include "mynacard/bytes.hpp"

namespace mynacard::vcard {

struct PersonalData {
    std::string name = "公的　個人";        ///< U+3000 between family and given name
    std::string name_substitute;
    std::string sex = "1";
    std::string birth_date = "419800101";  ///< EYYYYMMDD (era digit + Gregorian)
    std::string address = "東京都千代田区霞が関２－１－２";
    std::string address_substitute;
};

struct PkiOptions {
    int key_bits = 2048;
    PersonalData person;
    std::time_t leaf_not_before = 0;   ///< 0 = now - 1 day
    std::time_t leaf_not_after = 0;    ///< 0 = now + 5 years
    std::optional<std::string> ocsp_url;  ///< AIA OCSP URI on both leaves
    long auth_serial = 0x1001;
    long sign_serial = 0x2001;
};

/// A holder whose address is long enough (over 1 KB of UTF-8) that the signing certificate
/// exceeds 2 KB, so readers must take the size from the DER header and read several chunks.
PersonalData person_with_long_address();

struct KeyPairPem {
    std::string private_key_pem;
};

struct TestPki {
    Bytes auth_ca_der, sign_ca_der;   ///< self-signed roots
    Bytes auth_der, sign_der;         ///< leaves
    KeyPairPem auth_ca_key, sign_ca_key, auth_key, sign_key;

    /// Generates everything in process (RSA keys of options.key_bits).
    static TestPki generate(const PkiOptions& options = {});
    /// Writes auth_ca.pem, sign_ca.pem, auth.pem, sign.pem, *.der and *.key.pem into `dir`.
    void save(const std::filesystem::path& dir) const;
    /// Reads what save() wrote.
    static std::optional<TestPki> load(const std::filesystem::path& dir);
    /// A cached default PKI for the test run (generated once per process, or loaded from
    /// $MYNACARD_TEST_PKI_DIR when set), so suites do not pay for RSA key generation per test.
    static const TestPki& shared_default();

    /// The holder's data as carried in the signing certificate's SubjectAltName otherNames
    /// (what the Kenhojo AP of a card built from this PKI shows). nullopt if it cannot be parsed.
    std::optional<PersonalData> sign_person() const;
};

}  // namespace mynacard::vcard
