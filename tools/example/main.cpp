// mynacard-example: the public C++ API on one page.
//
//   mynacard-example [--reader NAME] [FILE]
//
// Lists the PC/SC readers and what is in them, opens the first My Number card (or NAME), prints
// the card identity and the subjects of the public certificates, and, when FILE is given, signs
// its SHA-256 with the auth key (PIN read from stdin, without echo on a terminal) and writes the
// 256-byte PKCS#1 v1.5 signature to FILE.sig. Exit code 0 on success, 1 on any error.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include <termios.h>
#include <unistd.h>

#include <mynacard/apdu/pcsc.hpp>
#include <mynacard/jpki/card.hpp>
#include <mynacard/jpki/digest.hpp>

using namespace mynacard;

namespace {

int fail(const Error& e)
{
    std::cerr << "error: " << e.message() << "\n";
    return 1;
}

/// One line from stdin into a wiped buffer; echo off while reading from a terminal.
SecureBytes read_pin()
{
    std::cerr << "auth PIN (4 digits): " << std::flush;
    termios saved{};
    const bool tty = ::isatty(STDIN_FILENO) && ::tcgetattr(STDIN_FILENO, &saved) == 0;
    if (tty) {
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    SecureBytes pin;
    pin.reserve(32);
    char c = 0;
    while (::read(STDIN_FILENO, &c, 1) == 1 && c != '\n' && pin.size() < 64)
        if (c != '\r') pin.push_back(static_cast<std::uint8_t>(c));
    c = 0;
    if (tty) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::cerr << "\n";
    return pin;
}

int sign_file(jpki::CardSession& session, const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(Error(Errc::Io, "cannot read " + path));
    const Bytes content((std::istreambuf_iterator<char>(in)), {});
    auto digest = jpki::hash(jpki::HashAlg::Sha256, content);
    if (!digest) return fail(digest.error());
    auto digest_info = jpki::digest_info(jpki::HashAlg::Sha256, *digest);
    if (!digest_info) return fail(digest_info.error());

    auto status = session.pin_status(jpki::PinKind::Auth);
    if (!status) return fail(status.error());
    if (status->tries_left) std::cerr << "auth PIN: " << *status->tries_left << " tries left\n";

    // Never spend the last try without asking: Confirm is refused unless the caller confirmed.
    jpki::VerifyOptions policy;
    policy.final_try = jpki::FinalTryPolicy::Confirm;
    auto signature = session.sign_with_pin(jpki::KeyKind::Auth, read_pin(), *digest_info, policy);
    if (!signature) return fail(signature.error());

    std::ofstream out(path + ".sig", std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(signature->data()), static_cast<std::streamsize>(signature->size()));
    if (!out) return fail(Error(Errc::Io, "cannot write " + path + ".sig"));
    std::cout << "signature (" << signature->size() << " bytes) written to " << path << ".sig\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv)
{
    std::string wanted_reader, file;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--reader" && i + 1 < argc) {
            wanted_reader = argv[++i];
        } else if (arg == "-h" || arg == "--help") {
            std::cout << "usage: mynacard-example [--reader NAME] [FILE]\n";
            return 0;
        } else {
            file = arg;
        }
    }

    auto context = apdu::PcscContext::establish();
    if (!context) return fail(context.error());
    auto readers = context->list_readers();
    if (!readers) return fail(readers.error());

    // 1. Readers, and what each holds (detected by application, never by ATR).
    std::string chosen = wanted_reader;
    for (const auto& reader : *readers) {
        std::string what = reader.card_present ? "card present" : "empty";
        if (reader.card_present) {
            if (auto transport = context->connect(reader.name)) {
                std::string label;
                if (auto type = jpki::detect_card(**transport, &label)) {
                    what = jpki::to_string(*type);
                    if (*type == jpki::CardType::MyNumberCard && chosen.empty()) chosen = reader.name;
                }
            }
        }
        std::cout << "reader: " << reader.name << " [" << what << "]\n";
    }
    if (chosen.empty()) return fail(Error(Errc::CardAbsent, "no My Number card found"));

    // 2. A session: identity and the certificates that need no PIN.
    auto transport = context->connect(chosen);
    if (!transport) return fail(transport.error());
    auto session = jpki::CardSession::open(std::move(transport).value());
    if (!session) return fail(session.error());
    const auto& info = session->info();
    std::cout << "card: " << jpki::to_string(info.type) << ", serial " << info.identity.serial << " ("
              << info.identity.source << ")\n";
    for (auto kind : {jpki::CertKind::Auth, jpki::CertKind::AuthCa, jpki::CertKind::SignCa}) {
        auto cert = session->certificate(kind);
        if (cert) {
            std::cout << jpki::to_string(kind) << ": " << cert->subject_text() << "\n";
        } else {
            std::cout << jpki::to_string(kind) << ": " << cert.error().message() << "\n";
        }
    }

    // 3. Sign a file's SHA-256 with the auth key.
    if (!file.empty()) return sign_file(*session, file);
    return 0;
}
