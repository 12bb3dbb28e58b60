// Errc -> CK_RV: the one mapping table of the module (architecture-guide.md §3.3).
#pragma once

#include "cryptoki.hpp"
#include "mynacard/error.hpp"

namespace mynacard::p11 {

/// The CK_RV a caller sees for a lower-layer error.
CK_RV to_ck_rv(Errc code) noexcept;
inline CK_RV to_ck_rv(const Error& error) noexcept { return to_ck_rv(error.code); }

/// Vendor detail for CK_SESSION_INFO.ulDeviceError (0 = none); codes in revocation/status.hpp.
unsigned long device_error_for(const Error& error) noexcept;

/// Whether the error means the card (or its reader) is gone: the module drops the token,
/// closes its sessions and answers CKR_DEVICE_REMOVED (PKCS#11 v2.40 §5.1, §11.1).
bool means_removal(Errc code) noexcept;

/// "CKR_PIN_INCORRECT" ... for logs; "CKR_0x..." for codes without a name here.
const char* rv_name(CK_RV rv) noexcept;

}  // namespace mynacard::p11
