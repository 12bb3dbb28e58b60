// The stand-alone programs: mynacard-testpki writes a PKI directory; mynacard-vcard serves a
// card from it to vpcd (slot 1 here), keeps its state in a directory, and stops on SIGTERM.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "pcsc_test_util.hpp"

using namespace pcsc_test;
namespace fs = std::filesystem;

extern char** environ;

namespace {

pid_t spawn(const std::vector<std::string>& args)
{
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = -1;
    REQUIRE(posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) == 0);
    return pid;
}

int wait_exit(pid_t pid)
{
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/// Stops the child by PID if a REQUIRE fails before the test does it itself.
struct ChildGuard {
    pid_t pid = -1;
    ~ChildGuard()
    {
        if (pid > 0 && ::kill(pid, SIGTERM) == 0) {
            int status = 0;
            waitpid(pid, &status, 0);
        }
    }
};

/// A fresh directory under the build tree, removed at the end: the switch matrix
/// (tools/dev/switch-matrix.sh) runs this test for several switches of one build tree at once,
/// and a shared directory mixed their PKIs, card states (spent tries) and pidfiles.
struct PrivateDir {
    fs::path path;
    PrivateDir()
    {
        std::string name = (fs::path(MYNACARD_BINARY_DIR) / "vcard-program-test.XXXXXX").string();
        REQUIRE(::mkdtemp(name.data()) != nullptr);
        path = name;
    }
    ~PrivateDir()
    {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    PrivateDir(const PrivateDir&) = delete;
    PrivateDir& operator=(const PrivateDir&) = delete;
};

std::uint16_t status_of(Transaction& tx, const Command& cmd)
{
    auto r = transceive(tx, cmd);
    REQUIRE(r);
    return r->sw.value;
}

}  // namespace

TEST_CASE("programs: mynacard-testpki writes a PKI, mynacard-vcard serves it until SIGTERM")
{
    REQUIRE(in_pcsc_env());
    const PrivateDir dir;  // before the child: removed after the child has stopped
    const fs::path& root = dir.path;
    const fs::path pki_dir = root / "pki";
    const fs::path state_dir = root / "state";
    const fs::path pidfile = root / "vcard.pid";

    REQUIRE(wait_exit(spawn({MYNACARD_TESTPKI_PROGRAM, "--out", pki_dir.string(), "--long-address",
                             "--ocsp-url", "http://127.0.0.1:9/ocsp", "--not-after", "2031-01-01"})) == 0);
    auto pki = TestPki::load(pki_dir);
    REQUIRE(pki);
    CHECK(pki->sign_der.size() > 2048);
    for (const char* f : {"auth_ca.pem", "sign_ca.pem", "auth.pem", "sign.pem", "auth.key.pem"})
        CHECK(fs::exists(pki_dir / f));
    CHECK(wait_exit(spawn({MYNACARD_TESTPKI_PROGRAM, "--out", (root / "bad").string(),
                           "--not-after", "someday"})) != 0);

    const std::string reader = VpcdCard::reader_name(1);
    ChildGuard child;
    child.pid = spawn({MYNACARD_VCARD_PROGRAM, "--port", std::to_string(VpcdCard::port(1)),
                       "--host", VpcdCard::host(), "--pki", pki_dir.string(), "--state",
                       state_dir.string(), "--sign-tries", "2", "--label", "JPKIAPICCTOKEN",
                       "--sw-for-ins", "2A:6F00", "--pidfile", pidfile.string()});
    REQUIRE(wait_for_reader_state(reader, true, std::chrono::seconds(15)));
    {
        std::ifstream in(pidfile);
        pid_t written = 0;
        in >> written;
        CHECK(written == child.pid);
    }
    {
        PcscContext ctx = context();
        auto transport = ctx.connect(reader);
        REQUIRE(transport);
        auto tx = Transaction::begin(**transport);
        REQUIRE(tx);
        auto cert = read_certificate(*tx, 0x000A);
        REQUIRE(cert);
        CHECK(*cert == pki->auth_der);
        REQUIRE(status_of(*tx, Command::select_ef(0x0006)) == 0x9000);
        auto label = transceive(*tx, Command::read_binary(0, 32));
        REQUIRE(label);
        CHECK(std::string(label->data.begin(), label->data.end()) == "JPKIAPICCTOKEN                  ");
        REQUIRE(status_of(*tx, Command::select_ef(0x001B)) == 0x9000);
        CHECK(status_of(*tx, Command::verify_status(0x80)) == 0x63C2);
        const std::string wrong = "WRONG1";
        CHECK(status_of(*tx, Command::verify(0x80, SecureBytes(wrong.begin(), wrong.end()))) == 0x63C1);
        CHECK(status_of(*tx, Command::jpki_compute_signature(Bytes(51, 1))) == 0x6F00);
    }
    REQUIRE(::kill(child.pid, SIGTERM) == 0);
    CHECK(wait_exit(child.pid) == 0);
    child.pid = -1;
    CHECK_FALSE(fs::exists(pidfile));
    CHECK(wait_for_reader_state(reader, false, std::chrono::seconds(5)));
    // The state directory kept the spent try.
    auto card = VirtualJpkiCard::persistent(state_dir, *pki);
    CHECK(card->tries_left(0x1B) == 1);
}
