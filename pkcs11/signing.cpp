// Signing on the card, verification and digests in software (PKCS#11 v2.40 §5.10-5.12;
// Mechanisms §2.1.6 CKM_RSA_PKCS, §2.1.7 CKM_SHA*_RSA_PKCS, §2.1.10-2.1.11 CKM_RSA_PKCS_PSS and
// CKM_SHA256_RSA_PKCS_PSS). The card pads PKCS#1 v1.5 over a DigestInfo the host builds, or
// signs a SHA-256 hash the host computes with RSASSA-PSS (P1=04, jpki-card.md §1.7; only on a
// card whose PIN-less probe showed it, issue 9 §3).
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "api.hpp"
#include "copy_out.hpp"
#include "errors.hpp"
#include "internal.hpp"
#include "mechanisms.hpp"
#include "mynacard/jpki/digest.hpp"

namespace mynacard::p11 {
namespace {

struct Lookup {
    Session* session = nullptr;
    Card* card = nullptr;
    CK_RV rv = CKR_OK;
};
Lookup lookup(Module& m, CK_SESSION_HANDLE h)
{
    Lookup l;
    l.rv = find_session(m, h, &l.session, &l.card);
    return l;
}

CK_RV crypto_failure(const Error& e)
{
    log_line(LogLevel::Error, "crypto: " + e.message());
    return to_ck_rv(e);
}

bool is_pss(CK_MECHANISM_TYPE type) { return type == CKM_RSA_PKCS_PSS || type == CKM_SHA256_RSA_PKCS_PSS; }

/// The most a caller may pass to a mechanism without a hash step: a DigestInfo of up to k - 11
/// bytes (CKM_RSA_PKCS, RFC 8017 §9.2) or the 32-byte SHA-256 (CKM_RSA_PKCS_PSS).
std::size_t max_raw_input(CK_MECHANISM_TYPE type) { return is_pss(type) ? kPssHashBytes : jpki::kMaxSignInput; }

/// What the card signs. PKCS#1 v1.5: the DigestInfo for a complete message (hash-and-sign) or
/// the caller's DigestInfo (CKM_RSA_PKCS, 1..245 bytes: k - 11 for RSA-2048, RFC 8017 §9.2).
/// PSS: the SHA-256 of the message (CKM_SHA256_RSA_PKCS_PSS) or the caller's 32-byte hash
/// (CKM_RSA_PKCS_PSS, Mechanisms §2.1.10: the input is the hash, hLen bytes).
CK_RV digest_info_for(CK_MECHANISM_TYPE type, const std::optional<Hasher>& hasher, ByteView raw, Bytes& out)
{
    if (is_pss(type)) {
        if (hasher) {
            auto h = hasher->peek();
            if (!h) return crypto_failure(h.error());
            out = std::move(*h);
            return CKR_OK;
        }
        if (raw.size() != kPssHashBytes) return CKR_DATA_LEN_RANGE;
        out.assign(raw.begin(), raw.end());
        return CKR_OK;
    }
    if (hasher) {
        auto h = hasher->peek();
        if (!h) return crypto_failure(h.error());
        auto di = jpki::digest_info(hasher->algorithm(), *h);
        if (!di) return crypto_failure(di.error());
        out = std::move(*di);
        return CKR_OK;
    }
    if (raw.empty() || raw.size() > jpki::kMaxSignInput) return CKR_DATA_LEN_RANGE;
    out.assign(raw.begin(), raw.end());
    return CKR_OK;
}

/// The output step shared by C_Sign and C_SignFinal: the signature length is the key's
/// modulus length, so a size query or a short buffer never reaches the card and leaves the
/// operation active (copy_out); every other outcome ends it.
CK_RV finish_sign(Module& m, Session& s, Card& card, ByteView digest_info, CK_BYTE_PTR sig,
                  CK_ULONG_PTR sig_len)
{
    SignOperation& op = *s.sign;
    std::optional<Error> failure;
    const CK_RV rv = copy_out(op.signature_size, sig, sig_len, [&](std::vector<CK_BYTE>& out) -> CK_RV {
        // §4.9 CKA_ALWAYS_AUTHENTICATE: C_Login(CKU_CONTEXT_SPECIFIC) is required per use.
        if (op.always_authenticate && !op.context_login) return CKR_USER_NOT_LOGGED_IN;
        if (!card.token(s.token).logged_in) return CKR_USER_NOT_LOGGED_IN;
        const auto scheme = is_pss(op.mechanism) ? jpki::SignScheme::PssSha256 : jpki::SignScheme::Pkcs1;
        auto signature = card.session.sign(op.key, digest_info, scheme);
        if (!signature) {
            // The card layer checks every signature with the certificate's key (and its length)
            // before returning it; a refused answer is CKR_DEVICE_ERROR, never handed out.
            if (signature.error().code == Errc::MalformedResponse)
                log_line(LogLevel::Error, "C_Sign: the card's answer was refused: " + signature.error().message());
            failure = std::move(signature).error();
            return CKR_FUNCTION_FAILED;
        }
        out = std::move(*signature);
        return CKR_OK;
    });
    if (ends_operation(rv, sig)) s.sign.reset();
    if (failure && failure->code == Errc::SchemeNotSupported) {
        // The card passed the PIN-less probe but refuses P1=04 now (issue 9 §3): this card
        // has no PSS for the rest of the binding, and the keys stop listing it.
        log_line(LogLevel::Error, "C_Sign: " + failure->message() + "; RSA-PSS is no longer offered for this card");
        withdraw_pss(card);
    }
    // Last: card_failure may close this session (card removed), so nothing touches `s` after.
    if (failure) return card_failure(m, s.reader, &s, *failure);
    if (rv == CKR_OK && sig != nullptr) s.device_error = 0;
    return rv;
}

std::shared_ptr<EVP_PKEY> public_key_of(const Object& key)
{
    const auto it = key.attributes.find(CKA_PUBLIC_KEY_INFO);
    if (it == key.attributes.end() || it->second.empty()) return nullptr;
    const unsigned char* p = it->second.data();
    EVP_PKEY* pkey = d2i_PUBKEY(nullptr, &p, static_cast<long>(it->second.size()));
    return std::shared_ptr<EVP_PKEY>(pkey, EVP_PKEY_free);
}

/// The call that does not fit the operation's form (v2.40 §5.10-5.12): C_Sign / C_Verify /
/// C_Digest "cannot be used to terminate a multi-part operation, and must be called after
/// C_xInit without intervening C_xUpdate calls"; C_xUpdate / C_xFinal cannot continue a
/// single-part operation that C_x began (its size query or short buffer). The answer is
/// CKR_OPERATION_ACTIVE (the operation in progress is of the other form), and, like every failed
/// C_x / C_xFinal ("always terminates the active operation unless it returns
/// CKR_BUFFER_TOO_SMALL or is a successful call ... to determine the length") and every failed
/// C_xUpdate, it ends the operation, so the caller can start again with C_xInit.
template <typename Operation>
CK_RV wrong_form(std::optional<Operation>& op)
{
    op.reset();
    return CKR_OPERATION_ACTIVE;
}

/// Mechanism checks shared by the *Init functions. PSS exists only for a card whose probe
/// showed it (`card_pss`) and only with SHA-256, MGF1-SHA-256 and a 32-byte salt; every other
/// mechanism takes no parameter.
CK_RV check_mechanism(CK_MECHANISM_PTR mech, bool signs, bool card_pss, const MechanismSpec** spec)
{
    *spec = find_mechanism(mech->mechanism);
    if (*spec == nullptr || (*spec)->signs != signs || !offered(**spec, card_pss)) return CKR_MECHANISM_INVALID;
    if ((*spec)->pss) return check_pss_params(*mech);
    if (mech->pParameter != nullptr || mech->ulParameterLen != 0) return CKR_MECHANISM_PARAM_INVALID;
    return CKR_OK;
}

/// Software verification with the mechanism's padding.
CK_RV verify_signature(CK_MECHANISM_TYPE type, EVP_PKEY* key, ByteView input, ByteView signature)
{
    return is_pss(type) ? verify_pss_sha256(key, input, signature) : verify_pkcs1(key, input, signature);
}

}  // namespace

/// The key C_SignInit would use: a private key of the session's token, logged in.
static CK_RV signing_key(Module& m, Session& s, Card& card, CK_OBJECT_HANDLE key, ObjectPtr& object)
{
    sync_login(card);
    object = token_object(m, s, key);
    if (!object || object->object_class == CKO_CERTIFICATE) return CKR_KEY_HANDLE_INVALID;
    const bool logged_in = card.token(s.token).logged_in;
    if (object->is_private && !logged_in) return CKR_USER_NOT_LOGGED_IN;
    if (object->object_class != CKO_PRIVATE_KEY || !object->key) return CKR_KEY_FUNCTION_NOT_PERMITTED;
    if (!logged_in) return CKR_USER_NOT_LOGGED_IN;
    return CKR_OK;
}

/// C_SignInit (§5.11). Also where the suspension checks decide (pin-and-suspension.md §3.8).
CK_RV sign_init(Module& m, ModuleLock& lock, CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key)
{
    Lookup l = lookup(m, h);
    if (l.rv != CKR_OK) return l.rv;
    if (mech == nullptr) return CKR_ARGUMENTS_BAD;
    if (l.session->sign) return CKR_OPERATION_ACTIVE;
    const MechanismSpec* spec = nullptr;
    if (CK_RV rv = check_mechanism(mech, true, card_has_pss(*l.card), &spec); rv != CKR_OK) return rv;
    ObjectPtr object;
    if (CK_RV rv = signing_key(m, *l.session, *l.card, key, object); rv != CKR_OK) return rv;
    if (m.gate) {
        // The checks may wait for a responder: asked with the module lock released (issue 10
        // §4), so everything above is looked up again afterwards - the session may have been
        // closed, the card removed or swapped (a new card id), the user logged out, or another
        // thread may have started an operation on this session.
        const std::uint64_t card_id = l.card->id;
        GateVerdict verdict;
        bool asked = false;
        if (CK_RV rv = decide_unlocked(m, lock, *object->key, *l.card, verdict, asked); rv != CKR_OK) return rv;
        if (asked) {
            l = lookup(m, h);
            if (l.rv != CKR_OK) return l.rv;
            if (l.card->id != card_id) return CKR_SESSION_HANDLE_INVALID;
            if (l.session->sign) return CKR_OPERATION_ACTIVE;
            if (CK_RV rv = signing_key(m, *l.session, *l.card, key, object); rv != CKR_OK) return rv;
            // CKA_SIGN follows the decision while it refuses (§3.8).
            object->set_flag(CKA_SIGN, verdict.allowed);
            l.session->device_error = verdict.device_error;
            // One line per decision, allowed ones included (§3.8): status, source, times.
            log_line(LogLevel::Info, "C_SignInit: " + (verdict.log.empty() ? verdict.message : verdict.log));
            if (!verdict.allowed) return CKR_KEY_FUNCTION_NOT_PERMITTED;
        }
    }
    Session& s = *l.session;
    if (!object->flag(CKA_SIGN)) return CKR_KEY_FUNCTION_NOT_PERMITTED;
    SignOperation op;
    op.mechanism = spec->type;
    op.key = *object->key;
    op.key_handle = key;
    op.signature_size = object->attributes[CKA_MODULUS].size();
    if (op.signature_size == 0) op.signature_size = kSignatureBytes;
    op.always_authenticate = object->flag(CKA_ALWAYS_AUTHENTICATE);
    if (spec->hash) {
        auto hasher = Hasher::start(*spec->hash);
        if (!hasher) return crypto_failure(hasher.error());
        op.hasher = std::move(*hasher);
    }
    s.sign = std::move(op);
    return CKR_OK;
}

/// C_Sign (§5.11): single part.
CK_RV sign(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig,
           CK_ULONG_PTR sig_len)
{
    Lookup l = lookup(m, h);
    if (l.rv != CKR_OK) return l.rv;
    Session& s = *l.session;
    if (!s.sign) return CKR_OPERATION_NOT_INITIALIZED;
    if (sig_len == nullptr || (data == nullptr && len != 0)) {
        s.sign.reset();
        return CKR_ARGUMENTS_BAD;
    }
    if (s.sign->multi_part) return wrong_form(s.sign);  // C_SignFinal finishes a multi-part op
    s.sign->single_part = true;
    const ByteView message(data, len);
    Bytes input;
    if (s.sign->hasher) {
        // Hash a copy of the fresh state so a size query leaves the operation unchanged.
        auto hasher = Hasher::start(s.sign->hasher->algorithm());
        if (!hasher) {
            s.sign.reset();
            return crypto_failure(hasher.error());
        }
        if (auto u = hasher->update(message); !u) {
            s.sign.reset();
            return crypto_failure(u.error());
        }
        std::optional<Hasher> once(std::move(*hasher));
        if (CK_RV rv = digest_info_for(s.sign->mechanism, once, {}, input); rv != CKR_OK) {
            s.sign.reset();
            return rv;
        }
    } else if (CK_RV rv = digest_info_for(s.sign->mechanism, std::nullopt, message, input); rv != CKR_OK) {
        s.sign.reset();
        return rv;
    }
    return finish_sign(m, s, *l.card, input, sig, sig_len);
}

/// C_SignUpdate (§5.11).
CK_RV sign_update(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len)
{
    Lookup l = lookup(m, h);
    if (l.rv != CKR_OK) return l.rv;
    Session& s = *l.session;
    if (!s.sign) return CKR_OPERATION_NOT_INITIALIZED;
    if (data == nullptr && len != 0) {
        s.sign.reset();
        return CKR_ARGUMENTS_BAD;
    }
    if (s.sign->single_part) return wrong_form(s.sign);
    s.sign->multi_part = true;
    if (s.sign->hasher) {
        if (auto u = s.sign->hasher->update(ByteView(data, len)); !u) {
            s.sign.reset();
            return crypto_failure(u.error());
        }
        return CKR_OK;
    }
    // CKM_RSA_PKCS collects the DigestInfo, which can never exceed k - 11 bytes;
    // CKM_RSA_PKCS_PSS the 32-byte hash.
    if (s.sign->collected.size() + len > max_raw_input(s.sign->mechanism)) {
        s.sign.reset();
        return CKR_DATA_LEN_RANGE;
    }
    s.sign->collected.insert(s.sign->collected.end(), data, data + len);
    return CKR_OK;
}

/// C_SignFinal (§5.11).
CK_RV sign_final(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG_PTR sig_len)
{
    Lookup l = lookup(m, h);
    if (l.rv != CKR_OK) return l.rv;
    Session& s = *l.session;
    if (!s.sign) return CKR_OPERATION_NOT_INITIALIZED;
    if (sig_len == nullptr) {
        s.sign.reset();
        return CKR_ARGUMENTS_BAD;
    }
    if (s.sign->single_part) return wrong_form(s.sign);  // C_Sign finishes a single-part op
    s.sign->multi_part = true;  // a size query here makes it multi-part (no C_Sign after it)
    Bytes input;
    if (CK_RV rv = digest_info_for(s.sign->mechanism, s.sign->hasher, s.sign->collected, input); rv != CKR_OK) {
        s.sign.reset();
        return rv;
    }
    return finish_sign(m, s, *l.card, input, sig, sig_len);
}

/// C_VerifyInit (§5.12): software verification against a public key object.
CK_RV verify_init(Module& m, CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key)
{
    Lookup l = lookup(m, h);
    if (l.rv != CKR_OK) return l.rv;
    if (mech == nullptr) return CKR_ARGUMENTS_BAD;
    Session& s = *l.session;
    if (s.verify) return CKR_OPERATION_ACTIVE;
    const MechanismSpec* spec = nullptr;
    if (CK_RV rv = check_mechanism(mech, true, card_has_pss(*l.card), &spec); rv != CKR_OK) return rv;
    sync_login(*l.card);
    ObjectPtr object = visible_object(m, s, *l.card, key);
    if (!object || object->object_class == CKO_CERTIFICATE) return CKR_KEY_HANDLE_INVALID;
    if (object->object_class != CKO_PUBLIC_KEY || !object->flag(CKA_VERIFY))
        return CKR_KEY_FUNCTION_NOT_PERMITTED;
    VerifyOperation op;
    op.mechanism = spec->type;
    op.public_key = public_key_of(*object);
    if (!op.public_key) return CKR_GENERAL_ERROR;
    if (spec->hash) {
        auto hasher = Hasher::start(*spec->hash);
        if (!hasher) return crypto_failure(hasher.error());
        op.hasher = std::move(*hasher);
    }
    s.verify = std::move(op);
    return CKR_OK;
}

/// C_Verify (§5.12).
CK_RV verify(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig,
             CK_ULONG sig_len)
{
    Lookup l = lookup(m, h);
    if (l.rv != CKR_OK) return l.rv;
    Session& s = *l.session;
    if (!s.verify) return CKR_OPERATION_NOT_INITIALIZED;
    if (s.verify->multi_part) return wrong_form(s.verify);  // C_VerifyFinal finishes it
    VerifyOperation op = std::move(*s.verify);
    s.verify.reset();  // C_Verify always ends the operation
    if ((data == nullptr && len != 0) || sig == nullptr) return CKR_ARGUMENTS_BAD;
    if (op.hasher) {
        if (auto u = op.hasher->update(ByteView(data, len)); !u) return crypto_failure(u.error());
    }
    Bytes input;
    if (CK_RV rv = digest_info_for(op.mechanism, op.hasher, ByteView(data, len), input); rv != CKR_OK) return rv;
    return verify_signature(op.mechanism, op.public_key.get(), input, ByteView(sig, sig_len));
}

/// C_VerifyUpdate (§5.12).
CK_RV verify_update(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len)
{
    Lookup l = lookup(m, h);
    if (l.rv != CKR_OK) return l.rv;
    Session& s = *l.session;
    if (!s.verify) return CKR_OPERATION_NOT_INITIALIZED;
    if (data == nullptr && len != 0) {
        s.verify.reset();
        return CKR_ARGUMENTS_BAD;
    }
    s.verify->multi_part = true;
    if (s.verify->hasher) {
        if (auto u = s.verify->hasher->update(ByteView(data, len)); !u) {
            s.verify.reset();
            return crypto_failure(u.error());
        }
        return CKR_OK;
    }
    if (s.verify->collected.size() + len > max_raw_input(s.verify->mechanism)) {
        s.verify.reset();
        return CKR_DATA_LEN_RANGE;
    }
    s.verify->collected.insert(s.verify->collected.end(), data, data + len);
    return CKR_OK;
}

/// C_VerifyFinal (§5.12).
CK_RV verify_final(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG sig_len)
{
    Lookup l = lookup(m, h);
    if (l.rv != CKR_OK) return l.rv;
    Session& s = *l.session;
    if (!s.verify) return CKR_OPERATION_NOT_INITIALIZED;
    VerifyOperation op = std::move(*s.verify);
    s.verify.reset();
    if (sig == nullptr) return CKR_ARGUMENTS_BAD;
    Bytes input;
    if (CK_RV rv = digest_info_for(op.mechanism, op.hasher, op.collected, input); rv != CKR_OK) return rv;
    return verify_signature(op.mechanism, op.public_key.get(), input, ByteView(sig, sig_len));
}

/// C_DigestInit (§5.10): software hashing.
CK_RV digest_init(Module& m, CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech)
{
    Lookup l = lookup(m, h);
    if (l.rv != CKR_OK) return l.rv;
    if (mech == nullptr) return CKR_ARGUMENTS_BAD;
    if (l.session->digest) return CKR_OPERATION_ACTIVE;
    const MechanismSpec* spec = nullptr;
    if (CK_RV rv = check_mechanism(mech, false, false, &spec); rv != CKR_OK) return rv;
    auto hasher = Hasher::start(*spec->hash);
    if (!hasher) return crypto_failure(hasher.error());
    l.session->digest = DigestOperation{std::move(*hasher), false, false};
    return CKR_OK;
}

/// C_Digest (§5.10).
CK_RV digest(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR out,
             CK_ULONG_PTR out_len)
{
    Lookup l = lookup(m, h);
    if (l.rv != CKR_OK) return l.rv;
    Session& s = *l.session;
    if (!s.digest) return CKR_OPERATION_NOT_INITIALIZED;
    if (out_len == nullptr || (data == nullptr && len != 0)) {
        s.digest.reset();
        return CKR_ARGUMENTS_BAD;
    }
    if (s.digest->multi_part) return wrong_form(s.digest);  // C_DigestFinal finishes it
    s.digest->single_part = true;
    const jpki::HashAlg alg = s.digest->hasher.algorithm();
    const CK_RV rv = copy_out(jpki::digest_size(alg), out, out_len, [&](std::vector<CK_BYTE>& value) {
        auto once = Hasher::start(alg);
        if (!once) return crypto_failure(once.error());
        if (auto u = once->update(ByteView(data, len)); !u) return crypto_failure(u.error());
        auto d = once->peek();
        if (!d) return crypto_failure(d.error());
        value = std::move(*d);
        return CKR_OK;
    });
    if (ends_operation(rv, out)) s.digest.reset();
    return rv;
}

/// C_DigestUpdate (§5.10).
CK_RV digest_update(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len)
{
    Lookup l = lookup(m, h);
    if (l.rv != CKR_OK) return l.rv;
    Session& s = *l.session;
    if (!s.digest) return CKR_OPERATION_NOT_INITIALIZED;
    if (data == nullptr && len != 0) {
        s.digest.reset();
        return CKR_ARGUMENTS_BAD;
    }
    if (s.digest->single_part) return wrong_form(s.digest);
    s.digest->multi_part = true;
    if (auto u = s.digest->hasher.update(ByteView(data, len)); !u) {
        s.digest.reset();
        return crypto_failure(u.error());
    }
    return CKR_OK;
}

/// C_DigestKey (§5.10): only secret keys can be digested; this token has none.
CK_RV digest_key(Module& m, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key)
{
    Lookup l = lookup(m, h);
    if (l.rv != CKR_OK) return l.rv;
    if (!l.session->digest) return CKR_OPERATION_NOT_INITIALIZED;
    if (!visible_object(m, *l.session, *l.card, key)) return CKR_KEY_HANDLE_INVALID;
    return CKR_KEY_INDIGESTIBLE;
}

/// C_DigestFinal (§5.10).
CK_RV digest_final(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
    Lookup l = lookup(m, h);
    if (l.rv != CKR_OK) return l.rv;
    Session& s = *l.session;
    if (!s.digest) return CKR_OPERATION_NOT_INITIALIZED;
    if (out_len == nullptr) {
        s.digest.reset();
        return CKR_ARGUMENTS_BAD;
    }
    if (s.digest->single_part) return wrong_form(s.digest);  // C_Digest finishes it
    s.digest->multi_part = true;  // a size query here makes it multi-part (no C_Digest after it)
    const CK_RV rv = copy_out(jpki::digest_size(s.digest->hasher.algorithm()), out, out_len,
                              [&](std::vector<CK_BYTE>& value) {
                                  auto d = s.digest->hasher.peek();
                                  if (!d) return crypto_failure(d.error());
                                  value = std::move(*d);
                                  return CKR_OK;
                              });
    if (ends_operation(rv, out)) s.digest.reset();
    return rv;
}

}  // namespace mynacard::p11
