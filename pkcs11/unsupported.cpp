// The Cryptoki functions that make no sense for this card, each with the error the spec lists
// for that case (PKCS#11 v2.40 §5): no encryption or decryption on the card (CKR_FUNCTION_NOT_
// SUPPORTED), nothing can be created on the read-only tokens (CKR_TOKEN_WRITE_PROTECTED), no
// RNG (CKR_RANDOM_NO_RNG), no legacy parallel functions (CKR_FUNCTION_NOT_PARALLEL).
#include "api.hpp"
#include "internal.hpp"

namespace mynacard::p11 {
namespace {

CK_RV valid_session(Module& m, CK_SESSION_HANDLE h)
{
    Session* s = nullptr;
    Card* c = nullptr;
    return find_session(m, h, &s, &c);
}

CK_RV after_session(Module& m, CK_SESSION_HANDLE h, CK_RV answer)
{
    const CK_RV rv = valid_session(m, h);
    return rv != CKR_OK ? rv : answer;
}

}  // namespace

CK_RV get_operation_state(Module&, CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG_PTR) { return CKR_FUNCTION_NOT_SUPPORTED; }
CK_RV set_operation_state(Module&, CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_OBJECT_HANDLE, CK_OBJECT_HANDLE)
{
    return CKR_FUNCTION_NOT_SUPPORTED;
}

CK_RV encrypt_init(Module&, CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE) { return CKR_FUNCTION_NOT_SUPPORTED; }
CK_RV encrypt(Module&, CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) { return CKR_FUNCTION_NOT_SUPPORTED; }
CK_RV encrypt_update(Module&, CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) { return CKR_FUNCTION_NOT_SUPPORTED; }
CK_RV encrypt_final(Module&, CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG_PTR) { return CKR_FUNCTION_NOT_SUPPORTED; }
CK_RV decrypt_init(Module&, CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE) { return CKR_FUNCTION_NOT_SUPPORTED; }
CK_RV decrypt(Module&, CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) { return CKR_FUNCTION_NOT_SUPPORTED; }
CK_RV decrypt_update(Module&, CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) { return CKR_FUNCTION_NOT_SUPPORTED; }
CK_RV decrypt_final(Module&, CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG_PTR) { return CKR_FUNCTION_NOT_SUPPORTED; }

CK_RV sign_recover_init(Module&, CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE) { return CKR_FUNCTION_NOT_SUPPORTED; }
CK_RV sign_recover(Module&, CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) { return CKR_FUNCTION_NOT_SUPPORTED; }
CK_RV verify_recover_init(Module&, CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE) { return CKR_FUNCTION_NOT_SUPPORTED; }
CK_RV verify_recover(Module&, CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) { return CKR_FUNCTION_NOT_SUPPORTED; }

CK_RV digest_encrypt_update(Module&, CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) { return CKR_FUNCTION_NOT_SUPPORTED; }
CK_RV decrypt_digest_update(Module&, CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) { return CKR_FUNCTION_NOT_SUPPORTED; }
CK_RV sign_encrypt_update(Module&, CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) { return CKR_FUNCTION_NOT_SUPPORTED; }
CK_RV decrypt_verify_update(Module&, CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) { return CKR_FUNCTION_NOT_SUPPORTED; }

// Key generation, unwrapping and derivation create objects: the token is write-protected.
CK_RV generate_key(Module& m, CK_SESSION_HANDLE h, CK_MECHANISM_PTR, CK_ATTRIBUTE_PTR, CK_ULONG, CK_OBJECT_HANDLE_PTR)
{
    return after_session(m, h, CKR_TOKEN_WRITE_PROTECTED);
}
CK_RV generate_key_pair(Module& m, CK_SESSION_HANDLE h, CK_MECHANISM_PTR, CK_ATTRIBUTE_PTR, CK_ULONG,
                        CK_ATTRIBUTE_PTR, CK_ULONG, CK_OBJECT_HANDLE_PTR, CK_OBJECT_HANDLE_PTR)
{
    return after_session(m, h, CKR_TOKEN_WRITE_PROTECTED);
}
CK_RV unwrap_key(Module& m, CK_SESSION_HANDLE h, CK_MECHANISM_PTR, CK_OBJECT_HANDLE, CK_BYTE_PTR, CK_ULONG,
                 CK_ATTRIBUTE_PTR, CK_ULONG, CK_OBJECT_HANDLE_PTR)
{
    return after_session(m, h, CKR_TOKEN_WRITE_PROTECTED);
}
CK_RV derive_key(Module& m, CK_SESSION_HANDLE h, CK_MECHANISM_PTR, CK_OBJECT_HANDLE, CK_ATTRIBUTE_PTR,
                 CK_ULONG, CK_OBJECT_HANDLE_PTR)
{
    return after_session(m, h, CKR_TOKEN_WRITE_PROTECTED);
}
// Wrapping would need a key that can encrypt; the card has none.
CK_RV wrap_key(Module&, CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE, CK_OBJECT_HANDLE, CK_BYTE_PTR, CK_ULONG_PTR)
{
    return CKR_FUNCTION_NOT_SUPPORTED;
}

// §5.15: the module exposes no random number generator (no CKF_RNG).
CK_RV seed_random(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG) { return after_session(m, h, CKR_RANDOM_NO_RNG); }
CK_RV generate_random(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG) { return after_session(m, h, CKR_RANDOM_NO_RNG); }

// §5.16 legacy functions: always CKR_FUNCTION_NOT_PARALLEL.
CK_RV get_function_status(Module& m, CK_SESSION_HANDLE h) { return after_session(m, h, CKR_FUNCTION_NOT_PARALLEL); }
CK_RV cancel_function(Module& m, CK_SESSION_HANDLE h) { return after_session(m, h, CKR_FUNCTION_NOT_PARALLEL); }

}  // namespace mynacard::p11
