// Replays fuzz inputs without libFuzzer: every file named on the command line, or found directly
// inside a named directory, is fed to LLVMFuzzerTestOneInput once. Built with each fuzz target as
// <target>_replay so the corpus (including every crash input kept there) runs as a plain CTest
// test in every build. A crash or __builtin_trap fails the test; so does a missing path or an
// empty directory (a corpus that silently vanished must not pass).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

bool run_file(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
        return false;
    }
    std::vector<char> bytes;
    char buf[4096];
    while (in.read(buf, sizeof buf) || in.gcount() > 0)
        bytes.insert(bytes.end(), buf, buf + in.gcount());
    // Copy into an exactly-sized heap block so out-of-bounds reads are as visible as in libFuzzer.
    std::vector<std::uint8_t> input(bytes.begin(), bytes.end());
    LLVMFuzzerTestOneInput(input.empty() ? nullptr : input.data(), input.size());
    return true;
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
        return 2;
    }
    std::size_t ran = 0;
    for (int i = 1; i < argc; ++i) {
        const std::filesystem::path arg(argv[i]);
        std::error_code ec;
        if (std::filesystem::is_directory(arg, ec)) {
            std::vector<std::filesystem::path> files;
            for (const auto& entry : std::filesystem::directory_iterator(arg, ec))
                if (entry.is_regular_file(ec)) files.push_back(entry.path());
            if (ec) {
                std::fprintf(stderr, "replay: cannot list %s: %s\n", arg.c_str(), ec.message().c_str());
                return 1;
            }
            if (files.empty()) {
                std::fprintf(stderr, "replay: %s holds no input files\n", arg.c_str());
                return 1;
            }
            std::sort(files.begin(), files.end());  // stable order: reproducible runs
            for (const auto& f : files) {
                if (!run_file(f)) return 1;
                ++ran;
            }
        } else if (std::filesystem::is_regular_file(arg, ec)) {
            if (!run_file(arg)) return 1;
            ++ran;
        } else {
            std::fprintf(stderr, "replay: %s is neither a file nor a directory\n", arg.c_str());
            return 1;
        }
    }
    std::printf("replay: ran %zu inputs\n", ran);
    return 0;
}
