#include "setup_module.hpp"

#include <dlfcn.h>
#include <p11-kit/pkcs11.h>

#include <string_view>

#ifndef MYNACARD_MODULE_PATH
#error "MYNACARD_MODULE_PATH must name the installed module (tools/card-cp/CMakeLists.txt)"
#endif

namespace mynacard::cli::setup {

std::filesystem::path default_module_path() { return MYNACARD_MODULE_PATH; }

namespace {

/// CK_UTF8CHAR fields are blank-padded, not NUL-terminated (PKCS#11 v2.40 §3.2).
std::string padded(const CK_UTF8CHAR* data, std::size_t size)
{
    std::string_view s(reinterpret_cast<const char*>(data), size);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.remove_suffix(1);
    return std::string(s);
}

std::string version_text(const CK_VERSION& v)
{
    return std::to_string(v.major) + "." + std::to_string(v.minor);
}

}  // namespace

ModuleProbe probe_module(const std::filesystem::path& path)
{
    ModuleProbe probe;
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        const char* why = ::dlerror();
        probe.error = why != nullptr ? why : "dlopen failed";
        return probe;
    }
    auto get_list = reinterpret_cast<CK_C_GetFunctionList>(::dlsym(handle, "C_GetFunctionList"));
    CK_FUNCTION_LIST_PTR fl = nullptr;
    if (get_list == nullptr || get_list(&fl) != CKR_OK || fl == nullptr) {
        probe.error = "C_GetFunctionList failed";
        ::dlclose(handle);
        return probe;
    }
    CK_C_INITIALIZE_ARGS args{};
    args.flags = CKF_OS_LOCKING_OK;
    const CK_RV init = fl->C_Initialize(&args);
    if (init != CKR_OK && init != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
        probe.error = "C_Initialize failed (CKR " + std::to_string(init) + ")";
        ::dlclose(handle);
        return probe;
    }
    CK_INFO info{};
    if (fl->C_GetInfo(&info) == CKR_OK) {
        probe.info = ModuleInfo{padded(info.manufacturerID, sizeof info.manufacturerID),
                                padded(info.libraryDescription, sizeof info.libraryDescription),
                                version_text(info.libraryVersion), version_text(info.cryptokiVersion)};
    } else {
        probe.error = "C_GetInfo failed";
    }
    if (init == CKR_OK) fl->C_Finalize(nullptr);
    ::dlclose(handle);
    return probe;
}

}  // namespace mynacard::cli::setup
