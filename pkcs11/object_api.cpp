// Object management (PKCS#11 v2.40 §5.7): search, attribute reads; the tokens are read-only.
#include "api.hpp"
#include "errors.hpp"
#include "internal.hpp"

namespace mynacard::p11 {
namespace {

/// Session + card, or the error to return.
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

/// For the functions that would change the token: session and object checks, then
/// CKR_TOKEN_WRITE_PROTECTED (the card's content is issued by the municipality).
CK_RV write_protected(Module& m, CK_SESSION_HANDLE h, std::optional<CK_OBJECT_HANDLE> object)
{
    Lookup l = lookup(m, h);
    if (l.rv != CKR_OK) return l.rv;
    if (object && !visible_object(m, *l.session, *l.card, *object)) return CKR_OBJECT_HANDLE_INVALID;
    return CKR_TOKEN_WRITE_PROTECTED;
}

/// CKA_SIGN of a private key is false while the suspension checks refuse it
/// (pin-and-suspension.md §3.8). C_SignInit records each decision; here a refusal that is
/// already known without any I/O (an expired certificate, a cached revocation) shows before
/// the first C_SignInit too. Nothing is read from the card or the network.
void show_known_refusal(Module& m, Card& card, Object& o)
{
    if (!m.gate || o.object_class != CKO_PRIVATE_KEY || !o.key) return;
    const auto cert = card.certificates.find(jpki::cert_for(*o.key));
    if (cert == card.certificates.end()) return;
    if (!m.gate->known_bad(*o.key, cert->second, card.session.info().identity.serial).allowed)
        o.set_flag(CKA_SIGN, false);
}

}  // namespace

/// C_FindObjectsInit (§5.7). Any template, including an empty one, is accepted.
CK_RV find_objects_init(Module& m, CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count)
{
    Lookup l = lookup(m, h);
    if (l.rv != CKR_OK) return l.rv;
    if (tmpl == nullptr && count != 0) return CKR_ARGUMENTS_BAD;
    std::vector<TemplateEntry> search;
    for (CK_ULONG i = 0; i < count; ++i) {
        const CK_ATTRIBUTE& a = tmpl[i];
        if (a.pValue == nullptr && a.ulValueLen != 0) return CKR_ARGUMENTS_BAD;
        const auto* p = static_cast<const std::uint8_t*>(a.pValue);
        search.push_back(TemplateEntry{a.type, p ? Bytes(p, p + a.ulValueLen) : Bytes{}});
    }
    if (l.session->find) return CKR_OPERATION_ACTIVE;
    sync_login(*l.card);
    const std::size_t reader = l.session->reader;
    if (CK_RV rv = load_objects(m, reader, *l.card, l.session->token, l.session); rv != CKR_OK) return rv;
    FindOperation op;
    const TokenState& ts = l.card->token(l.session->token);
    for (const ObjectPtr& o : ts.objects) {
        if (o->is_private && !ts.logged_in) continue;
        if (matches(*o, search)) op.results.push_back(o->handle);
    }
    l.session->find = std::move(op);
    return CKR_OK;
}

/// C_FindObjects (§5.7).
CK_RV find_objects(Module& m, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR objects, CK_ULONG max,
                   CK_ULONG_PTR count)
{
    Lookup l = lookup(m, h);
    if (l.rv != CKR_OK) return l.rv;
    if (count == nullptr || (objects == nullptr && max != 0)) return CKR_ARGUMENTS_BAD;
    if (!l.session->find) return CKR_OPERATION_NOT_INITIALIZED;
    FindOperation& op = *l.session->find;
    CK_ULONG n = 0;
    while (n < max && op.next < op.results.size()) objects[n++] = op.results[op.next++];
    *count = n;
    return CKR_OK;
}

/// C_FindObjectsFinal (§5.7).
CK_RV find_objects_final(Module& m, CK_SESSION_HANDLE h)
{
    Lookup l = lookup(m, h);
    if (l.rv != CKR_OK) return l.rv;
    if (!l.session->find) return CKR_OPERATION_NOT_INITIALIZED;
    l.session->find.reset();
    return CKR_OK;
}

/// C_GetAttributeValue (§5.7): every template entry is processed (rules 1-5 in objects.cpp).
CK_RV get_attribute_value(Module& m, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE object,
                          CK_ATTRIBUTE_PTR tmpl, CK_ULONG count)
{
    Lookup l = lookup(m, h);
    if (l.rv != CKR_OK) return l.rv;
    if (tmpl == nullptr && count != 0) return CKR_ARGUMENTS_BAD;
    sync_login(*l.card);
    ObjectPtr o = visible_object(m, *l.session, *l.card, object);
    if (!o) return CKR_OBJECT_HANDLE_INVALID;
    show_known_refusal(m, *l.card, *o);
    return get_attribute_values(*o, std::span<CK_ATTRIBUTE>(tmpl, count));
}

/// C_GetObjectSize (§5.7): an approximation, as the spec allows ("the size of the object in
/// bytes" has no defined meaning for a card object); the sum of the attribute values.
CK_RV get_object_size(Module& m, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE object, CK_ULONG_PTR size)
{
    Lookup l = lookup(m, h);
    if (l.rv != CKR_OK) return l.rv;
    if (size == nullptr) return CKR_ARGUMENTS_BAD;
    ObjectPtr o = visible_object(m, *l.session, *l.card, object);
    if (!o) return CKR_OBJECT_HANDLE_INVALID;
    *size = static_cast<CK_ULONG>(approximate_size(*o));
    return CKR_OK;
}

CK_RV create_object(Module& m, CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count,
                    CK_OBJECT_HANDLE_PTR object)
{
    if ((tmpl == nullptr && count != 0) || object == nullptr) {
        Lookup l = lookup(m, h);
        return l.rv != CKR_OK ? l.rv : CKR_ARGUMENTS_BAD;
    }
    return write_protected(m, h, std::nullopt);
}

CK_RV copy_object(Module& m, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE object, CK_ATTRIBUTE_PTR tmpl,
                  CK_ULONG count, CK_OBJECT_HANDLE_PTR new_object)
{
    if ((tmpl == nullptr && count != 0) || new_object == nullptr) {
        Lookup l = lookup(m, h);
        return l.rv != CKR_OK ? l.rv : CKR_ARGUMENTS_BAD;
    }
    return write_protected(m, h, object);
}

CK_RV destroy_object(Module& m, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE object)
{
    return write_protected(m, h, object);
}

CK_RV set_attribute_value(Module& m, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE object,
                          CK_ATTRIBUTE_PTR tmpl, CK_ULONG count)
{
    if (tmpl == nullptr && count != 0) {
        Lookup l = lookup(m, h);
        return l.rv != CKR_OK ? l.rv : CKR_ARGUMENTS_BAD;
    }
    return write_protected(m, h, object);
}

}  // namespace mynacard::p11
