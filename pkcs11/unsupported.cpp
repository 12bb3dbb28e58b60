// The Cryptoki functions that make no sense for this card, each with the error the spec lists
// for that case (PKCS#11 v2.40 §5): no encryption or decryption on the card (CKR_FUNCTION_NOT_
// SUPPORTED), no key can be generated, unwrapped or derived (CKR_MECHANISM_INVALID), no
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

/// Key generation, unwrapping and derivation. Precedence (v2.40 §5.1.8: after the session
/// handle, any applicable error may be returned): a missing output or template pointer is
/// CKR_ARGUMENTS_BAD; then the mechanism, which is always CKR_MECHANISM_INVALID because the
/// token offers no mechanism with CKF_GENERATE, CKF_GENERATE_KEY_PAIR, CKF_UNWRAP or CKF_DERIVE
/// (C_GetMechanismInfo) — that says more than CKR_TOKEN_WRITE_PROTECTED (nothing could be made
/// on any token of this module, not only on this read-only one).
CK_RV creates_key(Module& m, CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, bool pointers_ok)
{
    if (CK_RV rv = valid_session(m, h); rv != CKR_OK) return rv;
    if (mech == nullptr || !pointers_ok) return CKR_ARGUMENTS_BAD;
    return CKR_MECHANISM_INVALID;
}

/// A template pointer may be NULL only with a zero count (§5.2 conventions).
bool template_ok(CK_ATTRIBUTE_PTR tmpl, CK_ULONG count) { return tmpl != nullptr || count == 0; }

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

CK_RV generate_key(Module& m, CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_ATTRIBUTE_PTR tmpl,
                   CK_ULONG count, CK_OBJECT_HANDLE_PTR key)
{
    return creates_key(m, h, mech, template_ok(tmpl, count) && key != nullptr);
}
CK_RV generate_key_pair(Module& m, CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_ATTRIBUTE_PTR pub,
                        CK_ULONG pub_count, CK_ATTRIBUTE_PTR priv, CK_ULONG priv_count,
                        CK_OBJECT_HANDLE_PTR pub_key, CK_OBJECT_HANDLE_PTR priv_key)
{
    return creates_key(m, h, mech,
                       template_ok(pub, pub_count) && template_ok(priv, priv_count) &&
                           pub_key != nullptr && priv_key != nullptr);
}
CK_RV unwrap_key(Module& m, CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE, CK_BYTE_PTR wrapped,
                 CK_ULONG wrapped_len, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count, CK_OBJECT_HANDLE_PTR key)
{
    return creates_key(m, h, mech,
                       (wrapped != nullptr || wrapped_len == 0) && template_ok(tmpl, count) && key != nullptr);
}
CK_RV derive_key(Module& m, CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE, CK_ATTRIBUTE_PTR tmpl,
                 CK_ULONG count, CK_OBJECT_HANDLE_PTR key)
{
    return creates_key(m, h, mech, template_ok(tmpl, count) && key != nullptr);
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
