// Integration: the OCSP client against a real `openssl ocsp` responder (the loopback lab of
// pin-and-suspension.md §3.9, with the CA database written by the fixture code). Must run inside
// run-in-netns.sh: the responder listens on *:PORT, which is only acceptable in a private
// network namespace. The responder exits by itself after -nrequest answers and is stopped by
// PID if it does not.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "http_server.hpp"
#include "lab.hpp"

extern char** environ;

using namespace revtest;
using mynacard::revocation::CertStatus;

namespace {

/// index.txt time format: YYMMDDHHMMSSZ.
std::string index_time(std::time_t t)
{
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%d%H%M%SZ", &tm);
    return std::string(buf).substr(2);  // UTCTime: two-digit year
}

std::string index_line(const Identity& leaf, const std::string& revocation)
{
    std::string serial = mynacard::revocation::ossl::integer_hex(X509_get0_serialNumber(leaf.x509()));
    char* dn = X509_NAME_oneline(X509_get_subject_name(leaf.x509()), nullptr, 0);
    auto expiry = mynacard::revocation::ossl::to_time_t(X509_get0_notAfter(leaf.x509()));
    std::string line = std::string(revocation.empty() ? "V" : "R") + "\t" + index_time(expiry.value_or(0)) + "\t" +
                       revocation + "\t" + serial + "\tunknown\t" + dn + "\n";
    OPENSSL_free(dn);
    return line;
}

bool listening(int port)
{
    for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
        std::ifstream in(table);
        std::string line;
        std::getline(in, line);
        while (std::getline(in, line)) {
            std::istringstream f(line);
            std::string slot, local, remote, state;
            f >> slot >> local >> remote >> state;
            auto colon = local.rfind(':');
            if (state == "0A" && colon != std::string::npos &&
                std::stoi(local.substr(colon + 1), nullptr, 16) == port)
                return true;
        }
    }
    return false;
}

std::string slurp(const std::filesystem::path& p)
{
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

/// Waits for `pid` up to `limit`; true when it exited by itself.
bool wait_exit(pid_t pid, std::chrono::seconds limit, int& status)
{
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (::waitpid(pid, &status, WNOHANG) == pid) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

}  // namespace

TEST_CASE("integration: real `openssl ocsp` responder on loopback in a private network namespace")
{
    const char* in_netns = std::getenv("MYNACARD_REV_NETNS");
    REQUIRE(in_netns != nullptr);  // refuse to open a wildcard listener outside the namespace
    REQUIRE(std::string(in_netns) == "1");

    Lab lab;
    const std::time_t real_now = std::time(nullptr);
    lab.now = real_now;
    auto responder = make_leaf(lab.ca, LeafOptions{"lab-ocsp", 0x0F00, real_now - kDay, real_now + 30 * kDay, "", "", true});
    auto good = make_leaf(lab.ca, {"lab-good", 0x1000});
    auto revoked = make_leaf(lab.ca, {"lab-revoked", 0x1001});
    auto held = make_leaf(lab.ca, {"lab-held", 0x1002});
    auto unknown = make_leaf(lab.ca, {"lab-unknown", 0x7777});  // signed by the CA, not in index.txt

    const std::string revdate = index_time(real_now - 3600);
    write_file(lab.dir / "index.txt", index_line(good, "") + index_line(revoked, revdate + ",keyCompromise") +
                                          index_line(held, revdate + ",holdInstruction,holdInstructionReject"));
    write_file(lab.dir / "ocsp.pem", to_pem(responder.x509()));
    write_file(lab.dir / "ocsp.key", key_pem(responder.key.get()), 0600);

    const int port = HttpServer::unused_port();
    const std::string port_text = std::to_string(port);
    const std::string index = (lab.dir / "index.txt").string();
    const std::string ca = (lab.dir / "ca.pem").string();
    const std::string rsigner = (lab.dir / "ocsp.pem").string();
    const std::string rkey = (lab.dir / "ocsp.key").string();
    const std::string log = (lab.dir / "responder.log").string();
    std::vector<std::string> args{MYNACARD_OPENSSL_BIN, "ocsp", "-index", index, "-port", port_text,
                                  "-rsigner", rsigner, "-rkey", rkey, "-CA", ca, "-ndays", "1", "-nrequest", "4"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    pid_t pid = -1;
    int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    REQUIRE(rc == 0);

    // From here on the responder is ours to stop, whatever happens.
    struct Stopper {
        pid_t pid;
        bool done = false;
        ~Stopper()
        {
            int status = 0;
            if (!done && ::waitpid(pid, &status, WNOHANG) == 0) {
                ::kill(pid, SIGTERM);
                ::waitpid(pid, &status, 0);
            }
        }
    } stopper{pid};

    for (int i = 0; i < 200 && !listening(port); ++i) {
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid) {
            stopper.done = true;
            FAIL("openssl ocsp exited early: " << slurp(log));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    REQUIRE(listening(port));

    lab.config.ocsp.url = "http://127.0.0.1:" + port_text;
    lab.config.ocsp.require_nonce = true;
    auto checker = lab.checker();
    auto check = [&](const Identity& leaf) {
        lab.now = std::time(nullptr);
        return checker->status(leaf.x509(), "");
    };

    auto g = check(good);
    INFO(g.detail << "\nresponder log:\n" << slurp(log));
    CHECK(g.status == CertStatus::Good);
    CHECK(g.next_update > g.this_update);
    auto r = check(revoked);
    CHECK(r.status == CertStatus::Revoked);
    CHECK(r.crl_reason == 1);
    auto h = check(held);
    CHECK(h.status == CertStatus::OnHold);
    CHECK(h.crl_reason == 6);
    auto u = check(unknown);
    CHECK(u.status == CertStatus::Unknown);
    CHECK(u.detail.find("does not know") != std::string::npos);

    // -nrequest 4: the responder has answered its four requests and exits by itself.
    int status = 0;
    bool exited = wait_exit(pid, std::chrono::seconds(10), status);
    stopper.done = exited;
    CHECK(exited);
}
