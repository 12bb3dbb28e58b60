// card-cp setup: one NSS database at a time. Registration goes through NSS's own `modutil`
// (run with an argument vector, never a shell), which loads the module once to check it; the
// slot flags NSS has no command-line option for are then written into the module's line of the
// database's pkcs11.txt (see slot_params()).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mynacard::cli::setup {

/// The name the module is registered under in every database.
inline constexpr const char* kModuleName = "mynacard";

/// What running a program gave: its exit status (or -1 when it could not run) and its output
/// (stdout and stderr together, as modutil mixes them).
struct RunResult {
    int status = -1;
    std::string output;
    std::string error;  ///< why it could not run (not found, fork failed); empty when it ran
};

/// Whether `program` is an executable file in a directory of $PATH.
bool in_path(const std::string& program);

/// Runs argv[0] (looked up in PATH) with stdin from /dev/null and waits for it.
RunResult run_program(const std::vector<std::string>& argv);

/// The module's entry in a pkcs11.txt, as NSS wrote it.
struct ModuleEntry {
    std::string library;
    std::string nss;  ///< the NSS= parameter (flags, slotParams); may be empty
};

/// Our entry (name=mynacard) in `dir`/pkcs11.txt, if any. Entries are blank-line separated
/// key=value lines (NSS's sql: database format, lib/softoken/sdb + utilmod.c).
std::optional<ModuleEntry> find_entry(const std::filesystem::path& dir);

/// The slotParams NSS applies to our slots (pk11slot.c PK11_LoadSlotList: a slot gets the
/// flags listed for its ID whenever it appears, also later than the registration). The module
/// numbers the slots of reader i 2i (auth token) and 2i+1 (sign token), so the parameters name
/// the first `readers` readers' slots:
///   auth slots: PublicCerts (SECMOD_FRIENDLY_FLAG, "certificates are readable without login").
///     True: the auth certificate and public key are public objects on every card.
///   sign slots: the flag decided in cmd_setup.cpp (see there), `sign_flag`.
std::string slot_params(const std::string& sign_flag, int readers = 16);

/// Replaces (or adds) slotParams=(...) in the NSS= line of our entry, keeping every other
/// parameter and every other module's entry byte for byte. Written to a temporary file beside
/// pkcs11.txt and renamed over it, with the original's mode. Returns an error text or "".
std::string write_slot_params(const std::filesystem::path& dir, const std::string& params);

/// The slotParams=(...) part of an NSS= value, or "" (for comparisons).
std::string slot_params_of(const std::string& nss);

}  // namespace mynacard::cli::setup
