// card-cp setup: which PKCS#11 module file to register, and what it says it is (C_GetInfo).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace mynacard::cli::setup {

/// Where `cmake --install` (and the Debian package) put the module:
/// <libdir>/pkcs11/libmynacard-pkcs11.so, fixed when card-cp is built.
std::filesystem::path default_module_path();

struct ModuleInfo {
    std::string manufacturer;
    std::string description;
    std::string version;  ///< CK_INFO.libraryVersion, "major.minor"
    std::string cryptoki;  ///< CK_INFO.cryptokiVersion
};

/// Loads the module (dlopen, RTLD_LOCAL), C_Initialize, C_GetInfo, C_Finalize. The error text
/// says which step failed.
struct ModuleProbe {
    std::optional<ModuleInfo> info;
    std::string error;
};
ModuleProbe probe_module(const std::filesystem::path& path);

}  // namespace mynacard::cli::setup
