// Running the built card-cp as a subprocess for the CLI tests: captured stdout/stderr, extra
// environment, stdin and extra descriptors fed from pipes, and a pseudo-terminal session for
// the prompt tests. The child starts a new session (setsid), so without a pty it has no
// controlling terminal and card-cp behaves as under cron or CI.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mynacard::clitest {

struct Run {
    int exit_code = -1;
    std::string out;
    std::string err;
};

struct RunOptions {
    std::map<std::string, std::string> env;  ///< added / overridden
    std::optional<std::string> stdin_data;
    std::map<int, std::string> fd_data;      ///< child fd -> data written to a pipe on it
};

/// The configuration file card-cp gets by default (MYNACARD_CONFIG); empty file when unset.
void set_default_config(const std::string& path);
/// An empty configuration file (all defaults).
std::string empty_config();

/// card-cp (CARD_CP_EXE) with `args`. The environment is the test's, with LANG=C,
/// MYNACARD_CONFIG pointing at the default configuration and XDG_CACHE_HOME at a private
/// directory unless `options.env` says otherwise.
/// Every run is audited: the PINs it was given (the lines of --pin-file/--new-pin-file files
/// and of the fd_data pipes, $MYNACARD_PIN, $MYNACARD_NEW_PIN) must not appear in its stdout,
/// stderr or APDU trace (a Catch2 CHECK in the calling test; leaked_secrets() decides).
Run card_cp(const std::vector<std::string>& args, const RunOptions& options = {});

/// The secrets of `secrets` that `output` shows: as a word (not part of a longer run of
/// letters and digits, so "1234" inside the card serial "AB0123456789012" is no leak), in
/// upper case (the signing password is folded), or, on APDU trace command lines ("> "), as
/// the hex of its bytes with or without spaces.
std::vector<std::string> leaked_secrets(const std::string& output, const std::vector<std::string>& secrets);

/// How many card-cp runs and pty sessions were audited so far, and how many bytes of APDU
/// trace (every run traces to a private MYNACARD_TRACE file unless the test sets its own).
int audited_runs();
std::size_t audited_trace_bytes();

/// Any program, same capture (used for openssl).
Run run_program(const std::vector<std::string>& argv, const RunOptions& options = {});

/// card-cp on a pseudo-terminal: it is the controlling terminal and stdin/stdout/stderr.
class PtySession {
public:
    explicit PtySession(const std::vector<std::string>& args,
                        const std::map<std::string, std::string>& env = {});
    ~PtySession();
    PtySession(const PtySession&) = delete;
    PtySession& operator=(const PtySession&) = delete;

    /// Reads until `text` appears in the transcript (true) or the timeout / EOF (false).
    bool expect(const std::string& text, std::chrono::milliseconds timeout = std::chrono::seconds(20));
    void send(const std::string& text);
    /// Sends a PIN line; finish() checks that the transcript never shows it.
    void send_secret(const std::string& text);
    /// Reads to EOF and reaps the child; returns its exit code.
    int finish(std::chrono::milliseconds timeout = std::chrono::seconds(30));
    const std::string& transcript() const { return m_transcript; }

private:
    bool pump(std::chrono::milliseconds timeout);
    int m_master = -1;
    int m_pid = -1;
    bool m_eof = false;
    std::string m_transcript;
    std::vector<std::string> m_secrets;
    std::string m_trace_path;
};

/// A fresh temporary directory, removed by the destructor.
class TempDir {
public:
    TempDir();
    ~TempDir();
    const std::string& path() const { return m_path; }
    std::string file(const std::string& name) const { return m_path + "/" + name; }
    std::string write(const std::string& name, const std::string& content) const;

private:
    std::string m_path;
};

std::string read_text(const std::string& path);

}  // namespace mynacard::clitest
