// The suspension checks where the user meets them (issue 6 "Where it shows", "Done when"):
// libmynacard-pkcs11.so (dlopen()ed like an application) and the card-cp binary, both talking
// to the virtual card through the real PC/SC stack (pcscd + vpcd, tools/dev/pcsc-env.sh).
//
// - The policy matrix: every status x fail-closed / fail-open-warn / fail-open x sign / auth,
//   with the C_SignInit result, CKA_SIGN, CK_SESSION_INFO.ulDeviceError and the card-cp exit
//   code written out as a literal table (pin-and-suspension.md §3.7, §3.8; card-cp.1 EXIT STATUS).
//   Every status comes from real inputs: certificates whose validity is over or not begun, CRLs
//   signed by the test CAs (listing the serial with keyCompromise / certificateHold, or stale),
//   the local suspended list.
// - The house-move case, the hold lifecycle over one long-lived module, and the optional
//   "refuse C_Login before VERIFY when the certificate is known bad" switch.
// - The module's log: one line per decision, never a PIN.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/pem.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fixtures.hpp"
#include "http_server.hpp"
#include "mynacard/jpki/certificate.hpp"
#include "mynacard/revocation/status.hpp"
#include "mynacard/revocation/suspended_list.hpp"
#include "p11_harness.hpp"
#include "vcard/test_pki.hpp"
#include "vcard/virtual_card.hpp"
#include "vcard/vpcd_link.hpp"

namespace fs = std::filesystem;
using mynacard::Bytes;
using mynacard::revocation::CertStatus;
using mynacard::vcard::CardOptions;
using mynacard::vcard::PkiOptions;
using mynacard::vcard::TestPki;
using mynacard::vcard::VpcdCard;
using p11test::fl;
namespace dev = mynacard::revocation::device_error;

namespace {

constexpr std::time_t kDay = 86400;
constexpr long kAuthSerial = 0x1001;  // PkiOptions defaults
constexpr long kSignSerial = 0x2001;
const std::string kAuthPin = "1234";
const std::string kSignPin = "ABC123";

// --- the expected results ---------------------------------------------------------------------

enum class Key { Sign, Auth };

struct Cell {
    CertStatus status;
    const char* policy;       ///< the Unknown policy for both keys (revocation.policy.sign/auth)
    Key key;
    CK_RV sign_init;          ///< C_SignInit
    bool cka_sign;            ///< CKA_SIGN of the private key after C_SignInit
    unsigned long device_error;  ///< CK_SESSION_INFO.ulDeviceError after C_SignInit
    int card_cp_exit;         ///< card-cp sign --key <key>
};

constexpr CK_RV OK = CKR_OK;
constexpr CK_RV REFUSED = CKR_KEY_FUNCTION_NOT_PERMITTED;
constexpr auto S = Key::Sign;
constexpr auto A = Key::Auth;

// Expired / not yet valid: card-cp 30; revoked, on hold, locally suspended: 31; unknown under
// fail-closed: 32. Only Unknown depends on the policy.
const Cell kMatrix[] = {
    {CertStatus::Good, "fail-closed", S, OK, true, 0, 0},
    {CertStatus::Good, "fail-closed", A, OK, true, 0, 0},
    {CertStatus::Good, "fail-open-warn", S, OK, true, 0, 0},
    {CertStatus::Good, "fail-open-warn", A, OK, true, 0, 0},
    {CertStatus::Good, "fail-open", S, OK, true, 0, 0},
    {CertStatus::Good, "fail-open", A, OK, true, 0, 0},

    {CertStatus::Expired, "fail-closed", S, REFUSED, false, dev::kExpired, 30},
    {CertStatus::Expired, "fail-closed", A, REFUSED, false, dev::kExpired, 30},
    {CertStatus::Expired, "fail-open-warn", S, REFUSED, false, dev::kExpired, 30},
    {CertStatus::Expired, "fail-open-warn", A, REFUSED, false, dev::kExpired, 30},
    {CertStatus::Expired, "fail-open", S, REFUSED, false, dev::kExpired, 30},
    {CertStatus::Expired, "fail-open", A, REFUSED, false, dev::kExpired, 30},

    {CertStatus::NotYetValid, "fail-closed", S, REFUSED, false, dev::kNotYetValid, 30},
    {CertStatus::NotYetValid, "fail-closed", A, REFUSED, false, dev::kNotYetValid, 30},
    {CertStatus::NotYetValid, "fail-open-warn", S, REFUSED, false, dev::kNotYetValid, 30},
    {CertStatus::NotYetValid, "fail-open-warn", A, REFUSED, false, dev::kNotYetValid, 30},
    {CertStatus::NotYetValid, "fail-open", S, REFUSED, false, dev::kNotYetValid, 30},
    {CertStatus::NotYetValid, "fail-open", A, REFUSED, false, dev::kNotYetValid, 30},

    {CertStatus::Revoked, "fail-closed", S, REFUSED, false, dev::kRevoked, 31},
    {CertStatus::Revoked, "fail-closed", A, REFUSED, false, dev::kRevoked, 31},
    {CertStatus::Revoked, "fail-open-warn", S, REFUSED, false, dev::kRevoked, 31},
    {CertStatus::Revoked, "fail-open-warn", A, REFUSED, false, dev::kRevoked, 31},
    {CertStatus::Revoked, "fail-open", S, REFUSED, false, dev::kRevoked, 31},
    {CertStatus::Revoked, "fail-open", A, REFUSED, false, dev::kRevoked, 31},

    {CertStatus::OnHold, "fail-closed", S, REFUSED, false, dev::kOnHold, 31},
    {CertStatus::OnHold, "fail-closed", A, REFUSED, false, dev::kOnHold, 31},
    {CertStatus::OnHold, "fail-open-warn", S, REFUSED, false, dev::kOnHold, 31},
    {CertStatus::OnHold, "fail-open-warn", A, REFUSED, false, dev::kOnHold, 31},
    {CertStatus::OnHold, "fail-open", S, REFUSED, false, dev::kOnHold, 31},
    {CertStatus::OnHold, "fail-open", A, REFUSED, false, dev::kOnHold, 31},

    {CertStatus::LocallySuspended, "fail-closed", S, REFUSED, false, dev::kLocallySuspended, 31},
    {CertStatus::LocallySuspended, "fail-closed", A, REFUSED, false, dev::kLocallySuspended, 31},
    {CertStatus::LocallySuspended, "fail-open-warn", S, REFUSED, false, dev::kLocallySuspended, 31},
    {CertStatus::LocallySuspended, "fail-open-warn", A, REFUSED, false, dev::kLocallySuspended, 31},
    {CertStatus::LocallySuspended, "fail-open", S, REFUSED, false, dev::kLocallySuspended, 31},
    {CertStatus::LocallySuspended, "fail-open", A, REFUSED, false, dev::kLocallySuspended, 31},

    {CertStatus::Unknown, "fail-closed", S, REFUSED, false, dev::kUnknownFailClosed, 32},
    {CertStatus::Unknown, "fail-closed", A, REFUSED, false, dev::kUnknownFailClosed, 32},
    {CertStatus::Unknown, "fail-open-warn", S, OK, true, dev::kUnknownWarned, 0},
    {CertStatus::Unknown, "fail-open-warn", A, OK, true, dev::kUnknownWarned, 0},
    {CertStatus::Unknown, "fail-open", S, OK, true, 0, 0},
    {CertStatus::Unknown, "fail-open", A, OK, true, 0, 0},
};

// --- fixtures ---------------------------------------------------------------------------------

std::time_t now() { return std::time(nullptr); }

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string read_file(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

/// `secret` as a word of `text` (not inside a longer run of letters/digits such as a hex key id).
bool shows_secret(const std::string& text, const std::string& secret)
{
    auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
    for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 1)) {
        const bool left = at > 0 && alnum(text[at - 1]);
        const bool right = at + secret.size() < text.size() && alnum(text[at + secret.size()]);
        if (!left && !right) return true;
    }
    return false;
}

/// A CA of the virtual card's PKI as a fixtures Identity (to sign CRLs with).
revtest::Identity ca_identity(const Bytes& cert_der, const std::string& key_pem)
{
    const unsigned char* p = cert_der.data();
    revtest::Identity id;
    id.cert.reset(d2i_X509(nullptr, &p, static_cast<long>(cert_der.size())));
    BIO* bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
    id.key.reset(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr));
    BIO_free(bio);
    REQUIRE(id.cert);
    REQUIRE(id.key);
    return id;
}

/// The test installation of one scenario: the PKI's two roots as the only trust anchors, one
/// CRL per CA, optionally a local suspended list, a private cache and a module log file.
class Installation {
public:
    explicit Installation(const TestPki& pki) : m_pki(pki)
    {
        pki.save(m_dir.path / "pki");
        m_auth_ca = ca_identity(pki.auth_ca_der, pki.auth_ca_key.private_key_pem);
        m_sign_ca = ca_identity(pki.sign_ca_der, pki.sign_ca_key.private_key_pem);
        publish({}, {});
    }

    const fs::path& dir() const { return m_dir.path; }
    fs::path log_path() const { return m_dir.path / "p11.log"; }

    /// Writes both CRLs (the next crlNumber; crlNumber never goes back, §3.4).
    void publish(std::vector<revtest::Revoked> auth, std::vector<revtest::Revoked> sign,
                 std::time_t this_update = 0, std::time_t next_update = 0)
    {
        const std::time_t t = this_update != 0 ? this_update : now() - 60;
        const std::time_t n = next_update != 0 ? next_update : now() + kDay;
        ++m_crl_number;
        revtest::write_file(m_dir.path / "auth.crl",
                            revtest::make_crl(m_auth_ca, revtest::CrlOptions{t, n, m_crl_number, std::move(auth)}));
        revtest::write_file(m_dir.path / "sign.crl",
                            revtest::make_crl(m_sign_ca, revtest::CrlOptions{t, n, m_crl_number, std::move(sign)}));
    }

    /// Both leaves of the card in the local suspended list (issuer key id + serial, §3.6).
    void suspend_both()
    {
        fs::create_directories(list_path().parent_path());
        fs::permissions(list_path().parent_path(), fs::perms::owner_all);  // not group/world-writable
        for (const Bytes* der : {&m_pki.auth_der, &m_pki.sign_der}) {
            auto cert = mynacard::jpki::Certificate::from_der(*der);
            REQUIRE(cert);
            auto entry = mynacard::revocation::make_certificate_entry(
                mynacard::to_hex(*cert->authority_key_id()), cert->serial_hex(), "hold", now(), "matrix");
            REQUIRE(entry);
            REQUIRE(mynacard::revocation::add_suspended(list_path(), *entry, 0600).has_value());
        }
        m_list = true;
    }

    /// Writes the configuration file and points MYNACARD_CONFIG / XDG_CACHE_HOME at it; `extra`
    /// is appended (its sections must not repeat the ones written here).
    fs::path configure(const std::string& policy, const std::string& revocation_extra = {},
                       const std::string& extra = {})
    {
        const fs::path pki = m_dir.path / "pki";
        std::string ini = "[trust]\nanchors = " + (pki / "auth_ca.pem").string() + ", " + (pki / "sign_ca.pem").string() +
                          "\naccept_test_hierarchy = true\n"
                          "[revocation]\nmode = crl\npolicy.sign = " + policy + "\npolicy.auth = " + policy +
                          "\nexpiry.warn_days = 0\n" + revocation_extra +
                          "[crl]\nfiles = " + (m_dir.path / "auth.crl").string() + ", " +
                          (m_dir.path / "sign.crl").string() + "\n"
                          "[log]\nlevel = info\nfile = " + log_path().string() + "\n" + extra;
        if (m_list) ini += "[local]\nsuspended_list = " + list_path().string() + "\n";
        const fs::path path = m_dir.path / ("mynacard-" + std::to_string(++m_configs) + ".conf");
        std::ofstream(path) << ini;
        setenv("MYNACARD_CONFIG", path.c_str(), 1);
        setenv("XDG_CACHE_HOME", (m_dir.path / "cache").c_str(), 1);
        return path;
    }

private:
    fs::path list_path() const { return m_dir.path / "lists" / "suspended.list"; }

    p11test::TempDir m_dir;
    const TestPki& m_pki;
    revtest::Identity m_auth_ca, m_sign_ca;
    long m_crl_number = 0;
    int m_configs = 0;
    bool m_list = false;
};

/// The virtual card's PKI for `status`: leaves whose validity is over / not begun, else the
/// run's shared PKI. Generated once per process (RSA key generation is the slow part).
const TestPki& pki_for(CertStatus status)
{
    if (status == CertStatus::Expired) {
        static const TestPki expired = [] {
            PkiOptions o;
            o.leaf_not_before = now() - 400 * kDay;
            o.leaf_not_after = now() - kDay;
            return TestPki::generate(o);
        }();
        return expired;
    }
    if (status == CertStatus::NotYetValid) {
        static const TestPki future = [] {
            PkiOptions o;
            o.leaf_not_before = now() + kDay;
            o.leaf_not_after = now() + 400 * kDay;
            return TestPki::generate(o);
        }();
        return future;
    }
    return TestPki::shared_default();
}

/// Sets `install` up so that both leaves have `status`.
void arrange(Installation& install, CertStatus status)
{
    const std::time_t t = now();
    switch (status) {
    case CertStatus::Revoked:
        install.publish({{kAuthSerial, 1, t - 3600}}, {{kSignSerial, 1, t - 3600}});  // keyCompromise
        break;
    case CertStatus::OnHold:
        install.publish({{kAuthSerial, 6, t - 3600}}, {{kSignSerial, 6, t - 3600}});  // certificateHold
        break;
    case CertStatus::LocallySuspended:
        install.suspend_both();  // the CRLs say good: the local list still wins
        break;
    case CertStatus::Unknown:
        // Not listed in CRLs that are past nextUpdate + grace: "not listed" proves nothing.
        install.publish({}, {}, t - 3 * kDay, t - 2 * kDay);
        break;
    default:
        break;  // Good / Expired / NotYetValid: fresh CRLs listing nothing
    }
}

// --- the two front ends -----------------------------------------------------------------------

struct ModuleResult {
    CK_RV sign_init = CKR_GENERAL_ERROR;
    bool cka_sign_before = false;  ///< CKA_SIGN after login, before any C_SignInit
    bool cka_sign = false;
    unsigned long device_error = 0;
    bool signature_verified = false;
};

/// Through the module: login, C_SignInit on the key's private key, then (if allowed) C_Sign and
/// an OpenSSL verification against the card's certificate. C_Initialize .. C_Finalize.
ModuleResult through_module(VpcdCard& card, Key key)
{
    ModuleResult r;
    p11test::Init init;
    const bool sign = key == Key::Sign;
    const CK_SESSION_HANDLE h = p11test::open_session(p11test::slot_for(card.reader(), sign));
    REQUIRE_RV(p11test::login(h, sign ? kSignPin : kAuthPin), CKR_OK);
    const CK_OBJECT_HANDLE priv = p11test::find_one(h, CKO_PRIVATE_KEY, sign ? "JPKI Sign" : "JPKI Auth");
    r.cka_sign_before = p11test::bool_attribute(h, priv, CKA_SIGN);
    CK_MECHANISM mech{CKM_SHA256_RSA_PKCS, nullptr, 0};
    r.sign_init = fl()->C_SignInit(h, &mech, priv);
    r.device_error = p11test::session_info(h).ulDeviceError;
    r.cka_sign = p11test::bool_attribute(h, priv, CKA_SIGN);
    if (r.sign_init == CKR_OK) {
        // The signing key is CKA_ALWAYS_AUTHENTICATE: the password once more for this signature.
        if (sign) REQUIRE_RV(p11test::login(h, kSignPin, CKU_CONTEXT_SPECIFIC), CKR_OK);
        const Bytes data = p11test::bytes("matrix cell");
        CK_ULONG len = 512;
        Bytes sig(len);
        REQUIRE_RV(fl()->C_Sign(h, const_cast<CK_BYTE_PTR>(data.data()), static_cast<CK_ULONG>(data.size()),
                                sig.data(), &len),
                   CKR_OK);
        sig.resize(len);
        const Bytes& cert = sign ? card.card().pki().sign_der : card.card().pki().auth_der;
        r.signature_verified = p11test::openssl_verify(cert, "SHA256", data, sig);
    }
    return r;
}

struct CliRun {
    int exit_code = -1;
    std::string out, err;
};

/// card-cp with `args` (environment: the test's, LANG=C), stdout/stderr captured in files.
CliRun card_cp(const std::vector<std::string>& args, const fs::path& scratch)
{
    const fs::path out = scratch / "card-cp.out", err = scratch / "card-cp.err";
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        const int in = ::open("/dev/null", O_RDONLY);
        if (o < 0 || e < 0 || in < 0) _exit(126);
        dup2(in, 0);
        dup2(o, 1);
        dup2(e, 2);
        setenv("LANG", "C", 1);
        unsetenv("LC_ALL");
        unsetenv("LC_MESSAGES");
        std::vector<char*> argv;
        std::string exe = CARD_CP_EXE;
        argv.push_back(exe.data());
        std::vector<std::string> copy = args;
        for (auto& a : copy) argv.push_back(a.data());
        argv.push_back(nullptr);
        execv(exe.c_str(), argv.data());
        _exit(127);
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CliRun r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = read_file(out);
    r.err = read_file(err);
    return r;
}

/// card-cp sign --key <key> --format raw on a small file; the PIN from a 0600 file.
CliRun card_cp_sign(const Installation& install, Key key)
{
    const fs::path input = install.dir() / "input.txt";
    std::ofstream(input) << "card-cp matrix cell\n";
    const fs::path pin = install.dir() / "pin";
    {
        std::ofstream(pin) << (key == Key::Sign ? kSignPin : kAuthPin) << "\n";
    }
    fs::permissions(pin, fs::perms::owner_read | fs::perms::owner_write);
    fs::remove(install.dir() / "out.sig");
    return card_cp({"--pin-file", pin.string(), "sign", "--key", key == Key::Sign ? "sign" : "auth", "--format",
                    "raw", "-o", (install.dir() / "out.sig").string(), input.string()},
                   install.dir());
}

const char* key_name(Key key) { return key == Key::Sign ? "sign" : "auth"; }

}  // namespace

TEST_CASE("policy matrix through the module and card-cp: every status x policy x key (42 cells)")
{
    REQUIRE(std::size(kMatrix) == 42);
    int cells = 0;
    for (CertStatus status : {CertStatus::Good, CertStatus::Expired, CertStatus::NotYetValid, CertStatus::Revoked,
                              CertStatus::OnHold, CertStatus::LocallySuspended, CertStatus::Unknown}) {
        Installation install(pki_for(status));
        arrange(install, status);
        VpcdCard card(CardOptions{}, pki_for(status));
        for (const Cell& cell : kMatrix) {
            if (cell.status != status) continue;
            ++cells;
            // skip_login_if_revoked off: this table is about C_SignInit (the switch has its own test).
            install.configure(cell.policy, {}, "[pin]\nskip_login_if_revoked = false\n");
            const std::string what = std::string(mynacard::revocation::to_string(status)) + " / " + cell.policy +
                                     " / " + key_name(cell.key);
            INFO(what);
            fs::remove(install.log_path());
            const auto signatures = card.card().stats().signatures;

            const ModuleResult m = through_module(card, cell.key);
            CHECK(p11test::rv_name(m.sign_init) == p11test::rv_name(cell.sign_init));
            CHECK(m.cka_sign == cell.cka_sign);
            // Before the first C_SignInit only what is known without I/O can show: the validity.
            const bool validity_bad = status == CertStatus::Expired || status == CertStatus::NotYetValid;
            CHECK(m.cka_sign_before == !validity_bad);
            CHECK(m.device_error == cell.device_error);
            if (cell.sign_init == CKR_OK) {
                CHECK(m.signature_verified);
                CHECK(card.card().stats().signatures == signatures + 1);
            } else {
                CHECK(card.card().stats().signatures == signatures);  // nothing reached the card
            }
            // The module's log: one decision line naming the key and the status; no PIN.
            const std::string log = read_file(install.log_path());
            INFO("module log: " << log);
            CHECK(has(log, std::string("revocation decision: key=") + key_name(cell.key)));
            CHECK(has(log, std::string("status=") + mynacard::revocation::to_string(status)));
            CHECK_FALSE(shows_secret(log, kAuthPin));
            CHECK_FALSE(shows_secret(log, kSignPin));

            const auto before_cli = card.card().stats().signatures;
            const CliRun cli = card_cp_sign(install, cell.key);
            INFO("card-cp stdout: " << cli.out << "\ncard-cp stderr: " << cli.err);
            CHECK(cli.exit_code == cell.card_cp_exit);
            if (cell.card_cp_exit == 0) {
                CHECK(fs::file_size(install.dir() / "out.sig") == 256);
                CHECK(card.card().stats().signatures == before_cli + 1);
            } else {
                CHECK_FALSE(fs::exists(install.dir() / "out.sig"));
                CHECK(card.card().stats().signatures == before_cli);
            }
            if (cell.device_error == dev::kUnknownWarned) CHECK(has(cli.err, "unknown"));
            CHECK_FALSE(shows_secret(cli.out + cli.err, cell.key == Key::Sign ? kSignPin : kAuthPin));
        }
    }
    CHECK(cells == 42);
}

TEST_CASE("card-cp sign refuses naming the status and what to do (municipal office, hotline 0120-95-0178)")
{
    Installation install(TestPki::shared_default());
    arrange(install, CertStatus::OnHold);
    VpcdCard card;
    install.configure("fail-closed");
    const CliRun held = card_cp_sign(install, Key::Auth);
    INFO(held.err);
    CHECK(held.exit_code == 31);
    CHECK(has(held.err, "on-hold"));
    CHECK(has(held.err, "0120-95-0178"));
    CHECK(has(held.err, "municipal office"));

    arrange(install, CertStatus::Revoked);
    const CliRun revoked = card_cp_sign(install, Key::Sign);
    INFO(revoked.err);
    CHECK(revoked.exit_code == 31);
    CHECK(has(revoked.err, "revoked"));
    CHECK(has(revoked.err, "keyCompromise"));
    CHECK(has(revoked.err, "municipal office"));

    // `check` gives the same answer with its source and times; `status` shows it and exits 0.
    const CliRun check = card_cp({"check", "auth", "--json"}, install.dir());
    INFO(check.out << check.err);
    CHECK(check.exit_code == 31);
    CHECK(has(check.out, "\"status\": \"revoked\""));
    CHECK(has(check.out, "\"source\": \"crl:" + (install.dir() / "auth.crl").string()));
    CHECK(has(check.out, "\"next_update\": \"2"));
    const CliRun status = card_cp({"status"}, install.dir());
    INFO(status.out << status.err);
    CHECK(status.exit_code == 0);
    CHECK(has(status.out, "revoked"));
    CHECK(has(status.out, "auth.crl"));
    CHECK(has(status.out, "checked 2"));
    CHECK(has(status.out, "next update 2"));
}

TEST_CASE("house move through the module and card-cp: the signing certificate is revoked, the auth key still works")
{
    Installation install(TestPki::shared_default());
    install.publish({}, {{kSignSerial, 3 /* affiliationChanged */, now() - 3600}});
    VpcdCard card;
    install.configure("fail-closed", {}, "[pin]\nskip_login_if_revoked = false\n");

    const ModuleResult sign = through_module(card, Key::Sign);
    CHECK(p11test::rv_name(sign.sign_init) == "CKR_KEY_FUNCTION_NOT_PERMITTED");
    CHECK(sign.device_error == dev::kRevoked);
    CHECK_FALSE(sign.cka_sign);
    const ModuleResult auth = through_module(card, Key::Auth);
    CHECK(p11test::rv_name(auth.sign_init) == "CKR_OK");
    CHECK(auth.signature_verified);
    CHECK(auth.device_error == 0);
    CHECK(has(read_file(install.log_path()), "reason=affiliationChanged(3)"));

    const CliRun cli_sign = card_cp_sign(install, Key::Sign);
    INFO(cli_sign.err);
    CHECK(cli_sign.exit_code == 31);
    CHECK(has(cli_sign.err, "affiliationChanged"));
    CHECK(card_cp_sign(install, Key::Auth).exit_code == 0);
}

TEST_CASE("hold lifecycle through one module: good -> on hold (refused) -> released (allowed after the cache expires) -> revoked")
{
    Installation install(TestPki::shared_default());
    VpcdCard card;
    // Results cached for 2 s (revocation.max_age; the CRLs' nextUpdate is a day away).
    install.configure("fail-closed", "max_age.seconds = 2\n", "[pin]\nskip_login_if_revoked = false\n");
    const auto wait_for_cache = [] { std::this_thread::sleep_for(std::chrono::milliseconds(2300)); };

    p11test::Init init;  // one module for the whole story, as a long-running application
    const CK_SESSION_HANDLE h = p11test::open_session(p11test::slot_for(card.reader(), true));
    REQUIRE_RV(p11test::login(h, kSignPin), CKR_OK);
    const CK_OBJECT_HANDLE key = p11test::find_one(h, CKO_PRIVATE_KEY, "JPKI Sign");
    CK_MECHANISM mech{CKM_SHA256_RSA_PKCS, nullptr, 0};
    const Bytes data = p11test::bytes("lifecycle");
    const auto try_sign = [&] {
        const CK_RV rv = fl()->C_SignInit(h, &mech, key);
        if (rv == CKR_OK) {
            REQUIRE_RV(p11test::login(h, kSignPin, CKU_CONTEXT_SPECIFIC), CKR_OK);
            CK_ULONG len = 512;
            Bytes sig(len);
            REQUIRE_RV(fl()->C_Sign(h, const_cast<CK_BYTE_PTR>(data.data()), static_cast<CK_ULONG>(data.size()),
                                    sig.data(), &len),
                       CKR_OK);
        }
        return rv;
    };

    CHECK_RV(try_sign(), CKR_OK);
    CHECK(p11test::bool_attribute(h, key, CKA_SIGN));

    // The hotline puts the certificate on hold; once the cached "good" has expired: refused.
    install.publish({}, {{kSignSerial, 6, now() - 10}});
    wait_for_cache();
    CHECK_RV(try_sign(), CKR_KEY_FUNCTION_NOT_PERMITTED);
    CHECK(p11test::session_info(h).ulDeviceError == dev::kOnHold);
    CHECK_FALSE(p11test::bool_attribute(h, key, CKA_SIGN));

    // Released (removeFromCRL / the smartphone case): still refused while the hold is cached ...
    install.publish({}, {});
    CHECK_RV(try_sign(), CKR_KEY_FUNCTION_NOT_PERMITTED);
    // ... allowed once it expired.
    wait_for_cache();
    CHECK_RV(try_sign(), CKR_OK);
    CHECK(p11test::bool_attribute(h, key, CKA_SIGN));

    // Finally revoked: refused, and it stays refused.
    install.publish({}, {{kSignSerial, 1, now() - 10}});
    wait_for_cache();
    CHECK_RV(try_sign(), CKR_KEY_FUNCTION_NOT_PERMITTED);
    CHECK(p11test::session_info(h).ulDeviceError == dev::kRevoked);
    wait_for_cache();
    CHECK_RV(try_sign(), CKR_KEY_FUNCTION_NOT_PERMITTED);
    CHECK(p11test::session_info(h).ulDeviceError == dev::kRevoked);
}

namespace {

/// A session on the signing token after the module learned the hold: before anything is known
/// (the signing certificate is readable only after the password) the login goes to the card;
/// C_SignInit then learns the hold and refuses; then C_Logout.
CK_SESSION_HANDLE learn_hold_then_logout(VpcdCard& card)
{
    const CK_SESSION_HANDLE h = p11test::open_session(p11test::slot_for(card.reader(), true));
    REQUIRE_RV(p11test::login(h, kSignPin), CKR_OK);
    CK_MECHANISM mech{CKM_SHA256_RSA_PKCS, nullptr, 0};
    CHECK_RV(fl()->C_SignInit(h, &mech, p11test::find_one(h, CKO_PRIVATE_KEY, "JPKI Sign")),
             CKR_KEY_FUNCTION_NOT_PERMITTED);
    REQUIRE_RV(fl()->C_Logout(h), CKR_OK);
    return h;
}

}  // namespace

TEST_CASE("[pin] skip_login_if_revoked: C_Login refuses before any VERIFY once the certificate is known bad")
{
    Installation install(TestPki::shared_default());
    arrange(install, CertStatus::OnHold);
    VpcdCard card;

    SECTION("on (the default): the second login spends no try")
    {
        install.configure("fail-closed");
        p11test::Init init;
        const CK_SESSION_HANDLE h = learn_hold_then_logout(card);
        const auto verifies = card.card().stats().verify_with_data;
        // A wrong password would cost a try if it reached the card: it does not.
        CHECK_RV(p11test::login(h, "WRONG1"), CKR_FUNCTION_FAILED);
        CHECK_RV(p11test::login(h, kSignPin), CKR_FUNCTION_FAILED);
        CHECK(p11test::session_info(h).ulDeviceError == dev::kLoginRefusedRevoked);
        CHECK(card.card().stats().verify_with_data == verifies);
        CHECK(card.card().tries_left(0x1B) == 5);
        // PIN flags are not used for this (pin-and-suspension.md §3.8).
        const CK_TOKEN_INFO ti = p11test::token_info(p11test::slot_for(card.reader(), true));
        CHECK((ti.flags & (CKF_USER_PIN_LOCKED | CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY)) == 0);
        CHECK(has(read_file(install.log_path()), "C_Login: login refused before VERIFY: status=on-hold"));
    }
    SECTION("off: the login goes to the card (and a wrong password costs a try)")
    {
        install.configure("fail-closed", {}, "[pin]\nskip_login_if_revoked = false\n");
        p11test::Init init;
        const CK_SESSION_HANDLE h = learn_hold_then_logout(card);
        CHECK_RV(p11test::login(h, "WRONG1"), CKR_PIN_INCORRECT);
        CHECK(card.card().tries_left(0x1B) == 4);
        CHECK_RV(p11test::login(h, kSignPin), CKR_OK);
    }
}

TEST_CASE("[pin] skip_login_if_revoked: an expired auth certificate refuses the first C_Login without VERIFY")
{
    Installation install(pki_for(CertStatus::Expired));
    VpcdCard card(CardOptions{}, pki_for(CertStatus::Expired));
    install.configure("fail-closed");
    p11test::Init init;
    const CK_SESSION_HANDLE h = p11test::open_session(p11test::slot_for(card.reader(), false));
    // What applications do first: look at the public objects (the module reads the auth
    // certificate, EF 000A, no PIN). C_Login itself reads nothing.
    p11test::find_one(h, CKO_CERTIFICATE, "JPKI Auth");
    const auto verifies = card.card().stats().verify_with_data;
    CHECK_RV(p11test::login(h, kAuthPin), CKR_FUNCTION_FAILED);
    CHECK(p11test::session_info(h).ulDeviceError == dev::kLoginRefusedRevoked);
    CHECK(card.card().stats().verify_with_data == verifies);
    CHECK(card.card().tries_left(0x18) == 3);
    CHECK(has(read_file(install.log_path()), "login refused before VERIFY: status=expired"));
}

TEST_CASE("card-cp --offline: no OCSP request; the status is unknown and the policy decides")
{
    Installation install(TestPki::shared_default());
    VpcdCard card;
    revtest::HttpServer responder([](const revtest::HttpRequest&) {
        revtest::HttpReply reply;
        reply.status = 503;  // any answer: only whether a request was made matters here
        return reply;
    });
    const fs::path pki = install.dir() / "pki";
    const fs::path config = install.dir() / "ocsp.conf";
    std::ofstream(config) << "[trust]\nanchors = " << (pki / "auth_ca.pem").string() << ", "
                          << (pki / "sign_ca.pem").string() << "\naccept_test_hierarchy = true\n"
                          << "[revocation]\nmode = ocsp\npolicy.auth = fail-closed\n"
                          << "[ocsp]\nurl = " << responder.url("/") << "\ntimeout.seconds = 2\n";
    setenv("MYNACARD_CONFIG", config.c_str(), 1);
    setenv("XDG_CACHE_HOME", (install.dir() / "cache").c_str(), 1);

    const CliRun online = card_cp({"check", "auth"}, install.dir());
    INFO(online.out << online.err);
    CHECK(online.exit_code == 32);  // the responder failed: unknown, fail-closed
    CHECK(responder.requests() == 1);

    const CliRun offline = card_cp({"--offline", "check", "auth"}, install.dir());
    INFO(offline.out << offline.err);
    CHECK(offline.exit_code == 32);
    CHECK(has(offline.out, "offline"));
    CHECK(responder.requests() == 1);  // nothing was sent
}
