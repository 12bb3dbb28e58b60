// The Cryptoki vocabulary for the module: p11-kit's PKCS#11 v2.40 header (pkg-config p11-kit-1,
// <p11-kit/pkcs11.h>) plus the three PKCS#11 v3.0 declarations the module needs to answer
// C_GetInterfaceList / C_GetInterface (PKCS#11 v3.0 §5.4), which a v2.40 header lacks.
#pragma once

#include <p11-kit/pkcs11.h>

static_assert(CRYPTOKI_VERSION_MAJOR == 2 && CRYPTOKI_VERSION_MINOR == 40,
              "the module implements PKCS#11 v2.40: build against a v2.40 pkcs11.h");

// PKCS#11 v3.0 §3.5 CK_INTERFACE. Guarded so that a future v3.x header wins.
#ifndef CKF_INTERFACE_FORK_SAFE
struct CK_INTERFACE {
    CK_CHAR* pInterfaceName;
    CK_VOID_PTR pFunctionList;
    CK_FLAGS flags;
};
using CK_INTERFACE_PTR = CK_INTERFACE*;
using CK_INTERFACE_PTR_PTR = CK_INTERFACE**;
#define CKF_INTERFACE_FORK_SAFE 0x00000001UL
#endif

#include <cstddef>

namespace mynacard::p11 {

/// Module version reported in CK_INFO.libraryVersion (matches project(VERSION) major.minor).
inline constexpr CK_VERSION kCryptokiVersion{CRYPTOKI_VERSION_MAJOR, CRYPTOKI_VERSION_MINOR};

}  // namespace mynacard::p11
