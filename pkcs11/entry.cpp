// The only file with extern "C": every Cryptoki entry point is one line into mynacard::p11
// through guard() (architecture-guide.md §3.4). Only C_GetFunctionList, C_GetInterfaceList and
// C_GetInterface leave the shared object (exports.map); the rest are reached through the
// function list, as PKCS#11 v2.40 §5.2 intends. Cryptoki v2.40, 68 functions.
#include "api.hpp"
#include "guard.hpp"

using namespace mynacard::p11;

// The symbols are hidden by the version script, but the definitions must match the prototypes
// <p11-kit/pkcs11.h> declares (C linkage).
extern "C" {

CK_RV C_GetInfo(CK_INFO_PTR pInfo) { return guard("C_GetInfo", [&](Module& m) { return get_info(m, pInfo); }); }
CK_RV C_GetSlotList(CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList, CK_ULONG_PTR pulCount) { return guard("C_GetSlotList", [&](Module& m) { return get_slot_list(m, tokenPresent, pSlotList, pulCount); }); }
CK_RV C_GetSlotInfo(CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo) { return guard("C_GetSlotInfo", [&](Module& m) { return get_slot_info(m, slotID, pInfo); }); }
CK_RV C_GetTokenInfo(CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo) { return guard("C_GetTokenInfo", [&](Module& m) { return get_token_info(m, slotID, pInfo); }); }
CK_RV C_GetMechanismList(CK_SLOT_ID slotID, CK_MECHANISM_TYPE_PTR pMechanismList, CK_ULONG_PTR pulCount) { return guard("C_GetMechanismList", [&](Module& m) { return get_mechanism_list(m, slotID, pMechanismList, pulCount); }); }
CK_RV C_GetMechanismInfo(CK_SLOT_ID slotID, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR pInfo) { return guard("C_GetMechanismInfo", [&](Module& m) { return get_mechanism_info(m, slotID, type, pInfo); }); }
CK_RV C_InitToken(CK_SLOT_ID slotID, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pLabel) { return guard("C_InitToken", [&](Module& m) { return init_token(m, slotID, pPin, ulPinLen, pLabel); }); }
CK_RV C_InitPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen) { return guard("C_InitPIN", [&](Module& m) { return init_pin(m, hSession, pPin, ulPinLen); }); }
CK_RV C_SetPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pOldPin, CK_ULONG ulOldLen, CK_UTF8CHAR_PTR pNewPin, CK_ULONG ulNewLen) { return guard("C_SetPIN", [&](Module& m) { return set_pin(m, hSession, pOldPin, ulOldLen, pNewPin, ulNewLen); }); }
CK_RV C_OpenSession(CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR pApplication, CK_NOTIFY Notify, CK_SESSION_HANDLE_PTR phSession) { return guard("C_OpenSession", [&](Module& m) { return open_session(m, slotID, flags, pApplication, Notify, phSession); }); }
CK_RV C_CloseSession(CK_SESSION_HANDLE hSession) { return guard("C_CloseSession", [&](Module& m) { return close_session(m, hSession); }); }
CK_RV C_CloseAllSessions(CK_SLOT_ID slotID) { return guard("C_CloseAllSessions", [&](Module& m) { return close_all_sessions(m, slotID); }); }
CK_RV C_GetSessionInfo(CK_SESSION_HANDLE hSession, CK_SESSION_INFO_PTR pInfo) { return guard("C_GetSessionInfo", [&](Module& m) { return get_session_info(m, hSession, pInfo); }); }
CK_RV C_GetOperationState(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState, CK_ULONG_PTR pulOperationStateLen) { return guard("C_GetOperationState", [&](Module& m) { return get_operation_state(m, hSession, pOperationState, pulOperationStateLen); }); }
CK_RV C_SetOperationState(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState, CK_ULONG ulOperationStateLen, CK_OBJECT_HANDLE hEncryptionKey, CK_OBJECT_HANDLE hAuthenticationKey) { return guard("C_SetOperationState", [&](Module& m) { return set_operation_state(m, hSession, pOperationState, ulOperationStateLen, hEncryptionKey, hAuthenticationKey); }); }
CK_RV C_Login(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen) { return guard("C_Login", [&](Module& m) { return login(m, hSession, userType, pPin, ulPinLen); }); }
CK_RV C_Logout(CK_SESSION_HANDLE hSession) { return guard("C_Logout", [&](Module& m) { return logout(m, hSession); }); }
CK_RV C_CreateObject(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phObject) { return guard("C_CreateObject", [&](Module& m) { return create_object(m, hSession, pTemplate, ulCount, phObject); }); }
CK_RV C_CopyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phNewObject) { return guard("C_CopyObject", [&](Module& m) { return copy_object(m, hSession, hObject, pTemplate, ulCount, phNewObject); }); }
CK_RV C_DestroyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject) { return guard("C_DestroyObject", [&](Module& m) { return destroy_object(m, hSession, hObject); }); }
CK_RV C_GetObjectSize(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ULONG_PTR pulSize) { return guard("C_GetObjectSize", [&](Module& m) { return get_object_size(m, hSession, hObject, pulSize); }); }
CK_RV C_GetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount) { return guard("C_GetAttributeValue", [&](Module& m) { return get_attribute_value(m, hSession, hObject, pTemplate, ulCount); }); }
CK_RV C_SetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount) { return guard("C_SetAttributeValue", [&](Module& m) { return set_attribute_value(m, hSession, hObject, pTemplate, ulCount); }); }
CK_RV C_FindObjectsInit(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount) { return guard("C_FindObjectsInit", [&](Module& m) { return find_objects_init(m, hSession, pTemplate, ulCount); }); }
CK_RV C_FindObjects(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE_PTR phObject, CK_ULONG ulMaxObjectCount, CK_ULONG_PTR pulObjectCount) { return guard("C_FindObjects", [&](Module& m) { return find_objects(m, hSession, phObject, ulMaxObjectCount, pulObjectCount); }); }
CK_RV C_FindObjectsFinal(CK_SESSION_HANDLE hSession) { return guard("C_FindObjectsFinal", [&](Module& m) { return find_objects_final(m, hSession); }); }
CK_RV C_EncryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey) { return guard("C_EncryptInit", [&](Module& m) { return encrypt_init(m, hSession, pMechanism, hKey); }); }
CK_RV C_Encrypt(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pEncryptedData, CK_ULONG_PTR pulEncryptedDataLen) { return guard("C_Encrypt", [&](Module& m) { return encrypt(m, hSession, pData, ulDataLen, pEncryptedData, pulEncryptedDataLen); }); }
CK_RV C_EncryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen, CK_BYTE_PTR pEncryptedPart, CK_ULONG_PTR pulEncryptedPartLen) { return guard("C_EncryptUpdate", [&](Module& m) { return encrypt_update(m, hSession, pPart, ulPartLen, pEncryptedPart, pulEncryptedPartLen); }); }
CK_RV C_EncryptFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pLastEncryptedPart, CK_ULONG_PTR pulLastEncryptedPartLen) { return guard("C_EncryptFinal", [&](Module& m) { return encrypt_final(m, hSession, pLastEncryptedPart, pulLastEncryptedPartLen); }); }
CK_RV C_DecryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey) { return guard("C_DecryptInit", [&](Module& m) { return decrypt_init(m, hSession, pMechanism, hKey); }); }
CK_RV C_Decrypt(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedData, CK_ULONG ulEncryptedDataLen, CK_BYTE_PTR pData, CK_ULONG_PTR pulDataLen) { return guard("C_Decrypt", [&](Module& m) { return decrypt(m, hSession, pEncryptedData, ulEncryptedDataLen, pData, pulDataLen); }); }
CK_RV C_DecryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart, CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart, CK_ULONG_PTR pulPartLen) { return guard("C_DecryptUpdate", [&](Module& m) { return decrypt_update(m, hSession, pEncryptedPart, ulEncryptedPartLen, pPart, pulPartLen); }); }
CK_RV C_DecryptFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pLastPart, CK_ULONG_PTR pulLastPartLen) { return guard("C_DecryptFinal", [&](Module& m) { return decrypt_final(m, hSession, pLastPart, pulLastPartLen); }); }
CK_RV C_DigestInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism) { return guard("C_DigestInit", [&](Module& m) { return digest_init(m, hSession, pMechanism); }); }
CK_RV C_Digest(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pDigest, CK_ULONG_PTR pulDigestLen) { return guard("C_Digest", [&](Module& m) { return digest(m, hSession, pData, ulDataLen, pDigest, pulDigestLen); }); }
CK_RV C_DigestUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen) { return guard("C_DigestUpdate", [&](Module& m) { return digest_update(m, hSession, pPart, ulPartLen); }); }
CK_RV C_DigestKey(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hKey) { return guard("C_DigestKey", [&](Module& m) { return digest_key(m, hSession, hKey); }); }
CK_RV C_DigestFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pDigest, CK_ULONG_PTR pulDigestLen) { return guard("C_DigestFinal", [&](Module& m) { return digest_final(m, hSession, pDigest, pulDigestLen); }); }
CK_RV C_SignInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey) { return guard_locked("C_SignInit", [&](Module& m, ModuleLock& lock) { return sign_init(m, lock, hSession, pMechanism, hKey); }); }
CK_RV C_Sign(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen) { return guard("C_Sign", [&](Module& m) { return sign(m, hSession, pData, ulDataLen, pSignature, pulSignatureLen); }); }
CK_RV C_SignUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen) { return guard("C_SignUpdate", [&](Module& m) { return sign_update(m, hSession, pPart, ulPartLen); }); }
CK_RV C_SignFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen) { return guard("C_SignFinal", [&](Module& m) { return sign_final(m, hSession, pSignature, pulSignatureLen); }); }
CK_RV C_SignRecoverInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey) { return guard("C_SignRecoverInit", [&](Module& m) { return sign_recover_init(m, hSession, pMechanism, hKey); }); }
CK_RV C_SignRecover(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen) { return guard("C_SignRecover", [&](Module& m) { return sign_recover(m, hSession, pData, ulDataLen, pSignature, pulSignatureLen); }); }
CK_RV C_VerifyInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey) { return guard("C_VerifyInit", [&](Module& m) { return verify_init(m, hSession, pMechanism, hKey); }); }
CK_RV C_Verify(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen) { return guard("C_Verify", [&](Module& m) { return verify(m, hSession, pData, ulDataLen, pSignature, ulSignatureLen); }); }
CK_RV C_VerifyUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen) { return guard("C_VerifyUpdate", [&](Module& m) { return verify_update(m, hSession, pPart, ulPartLen); }); }
CK_RV C_VerifyFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen) { return guard("C_VerifyFinal", [&](Module& m) { return verify_final(m, hSession, pSignature, ulSignatureLen); }); }
CK_RV C_VerifyRecoverInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey) { return guard("C_VerifyRecoverInit", [&](Module& m) { return verify_recover_init(m, hSession, pMechanism, hKey); }); }
CK_RV C_VerifyRecover(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen, CK_BYTE_PTR pData, CK_ULONG_PTR pulDataLen) { return guard("C_VerifyRecover", [&](Module& m) { return verify_recover(m, hSession, pSignature, ulSignatureLen, pData, pulDataLen); }); }
CK_RV C_DigestEncryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen, CK_BYTE_PTR pEncryptedPart, CK_ULONG_PTR pulEncryptedPartLen) { return guard("C_DigestEncryptUpdate", [&](Module& m) { return digest_encrypt_update(m, hSession, pPart, ulPartLen, pEncryptedPart, pulEncryptedPartLen); }); }
CK_RV C_DecryptDigestUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart, CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart, CK_ULONG_PTR pulPartLen) { return guard("C_DecryptDigestUpdate", [&](Module& m) { return decrypt_digest_update(m, hSession, pEncryptedPart, ulEncryptedPartLen, pPart, pulPartLen); }); }
CK_RV C_SignEncryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen, CK_BYTE_PTR pEncryptedPart, CK_ULONG_PTR pulEncryptedPartLen) { return guard("C_SignEncryptUpdate", [&](Module& m) { return sign_encrypt_update(m, hSession, pPart, ulPartLen, pEncryptedPart, pulEncryptedPartLen); }); }
CK_RV C_DecryptVerifyUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart, CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart, CK_ULONG_PTR pulPartLen) { return guard("C_DecryptVerifyUpdate", [&](Module& m) { return decrypt_verify_update(m, hSession, pEncryptedPart, ulEncryptedPartLen, pPart, pulPartLen); }); }
CK_RV C_GenerateKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phKey) { return guard("C_GenerateKey", [&](Module& m) { return generate_key(m, hSession, pMechanism, pTemplate, ulCount, phKey); }); }
CK_RV C_GenerateKeyPair(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_ATTRIBUTE_PTR pPublicKeyTemplate, CK_ULONG ulPublicKeyAttributeCount, CK_ATTRIBUTE_PTR pPrivateKeyTemplate, CK_ULONG ulPrivateKeyAttributeCount, CK_OBJECT_HANDLE_PTR phPublicKey, CK_OBJECT_HANDLE_PTR phPrivateKey) { return guard("C_GenerateKeyPair", [&](Module& m) { return generate_key_pair(m, hSession, pMechanism, pPublicKeyTemplate, ulPublicKeyAttributeCount, pPrivateKeyTemplate, ulPrivateKeyAttributeCount, phPublicKey, phPrivateKey); }); }
CK_RV C_WrapKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hWrappingKey, CK_OBJECT_HANDLE hKey, CK_BYTE_PTR pWrappedKey, CK_ULONG_PTR pulWrappedKeyLen) { return guard("C_WrapKey", [&](Module& m) { return wrap_key(m, hSession, pMechanism, hWrappingKey, hKey, pWrappedKey, pulWrappedKeyLen); }); }
CK_RV C_UnwrapKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hUnwrappingKey, CK_BYTE_PTR pWrappedKey, CK_ULONG ulWrappedKeyLen, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE_PTR phKey) { return guard("C_UnwrapKey", [&](Module& m) { return unwrap_key(m, hSession, pMechanism, hUnwrappingKey, pWrappedKey, ulWrappedKeyLen, pTemplate, ulAttributeCount, phKey); }); }
CK_RV C_DeriveKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hBaseKey, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE_PTR phKey) { return guard("C_DeriveKey", [&](Module& m) { return derive_key(m, hSession, pMechanism, hBaseKey, pTemplate, ulAttributeCount, phKey); }); }
CK_RV C_SeedRandom(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSeed, CK_ULONG ulSeedLen) { return guard("C_SeedRandom", [&](Module& m) { return seed_random(m, hSession, pSeed, ulSeedLen); }); }
CK_RV C_GenerateRandom(CK_SESSION_HANDLE hSession, CK_BYTE_PTR RandomData, CK_ULONG ulRandomLen) { return guard("C_GenerateRandom", [&](Module& m) { return generate_random(m, hSession, RandomData, ulRandomLen); }); }
CK_RV C_GetFunctionStatus(CK_SESSION_HANDLE hSession) { return guard("C_GetFunctionStatus", [&](Module& m) { return get_function_status(m, hSession); }); }
CK_RV C_CancelFunction(CK_SESSION_HANDLE hSession) { return guard("C_CancelFunction", [&](Module& m) { return cancel_function(m, hSession); }); }

CK_RV C_Initialize(CK_VOID_PTR pInitArgs) { return guard_unlocked("C_Initialize", [&] { return initialize(pInitArgs); }); }
CK_RV C_Finalize(CK_VOID_PTR pReserved) { return guard_unlocked("C_Finalize", [&] { return finalize(pReserved); }); }
CK_RV C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR pSlot, CK_VOID_PTR pReserved)
{
    if (pReserved != nullptr) return guard_unlocked("C_WaitForSlotEvent", [] { return CKR_ARGUMENTS_BAD; });
    return guard_locked("C_WaitForSlotEvent", [&](Module& m, ModuleLock& lock) { return wait_for_slot_event(m, lock, flags, pSlot); });
}

}  // extern "C"

namespace {

// The v2.40 function list, in the order of CK_FUNCTION_LIST (§5.2).
CK_FUNCTION_LIST g_function_list = {
    {CRYPTOKI_VERSION_MAJOR, CRYPTOKI_VERSION_MINOR},
    C_Initialize,
    C_Finalize,
    C_GetInfo,
    C_GetFunctionList,
    C_GetSlotList,
    C_GetSlotInfo,
    C_GetTokenInfo,
    C_GetMechanismList,
    C_GetMechanismInfo,
    C_InitToken,
    C_InitPIN,
    C_SetPIN,
    C_OpenSession,
    C_CloseSession,
    C_CloseAllSessions,
    C_GetSessionInfo,
    C_GetOperationState,
    C_SetOperationState,
    C_Login,
    C_Logout,
    C_CreateObject,
    C_CopyObject,
    C_DestroyObject,
    C_GetObjectSize,
    C_GetAttributeValue,
    C_SetAttributeValue,
    C_FindObjectsInit,
    C_FindObjects,
    C_FindObjectsFinal,
    C_EncryptInit,
    C_Encrypt,
    C_EncryptUpdate,
    C_EncryptFinal,
    C_DecryptInit,
    C_Decrypt,
    C_DecryptUpdate,
    C_DecryptFinal,
    C_DigestInit,
    C_Digest,
    C_DigestUpdate,
    C_DigestKey,
    C_DigestFinal,
    C_SignInit,
    C_Sign,
    C_SignUpdate,
    C_SignFinal,
    C_SignRecoverInit,
    C_SignRecover,
    C_VerifyInit,
    C_Verify,
    C_VerifyUpdate,
    C_VerifyFinal,
    C_VerifyRecoverInit,
    C_VerifyRecover,
    C_DigestEncryptUpdate,
    C_DecryptDigestUpdate,
    C_SignEncryptUpdate,
    C_DecryptVerifyUpdate,
    C_GenerateKey,
    C_GenerateKeyPair,
    C_WrapKey,
    C_UnwrapKey,
    C_DeriveKey,
    C_SeedRandom,
    C_GenerateRandom,
    C_GetFunctionStatus,
    C_CancelFunction,
    C_WaitForSlotEvent,
};

// PKCS#11 v3.0 §5.4 interfaces: one, "PKCS 11", whose function list is the v2.40 list above.
// The interface name is fixed; CK_INTERFACE wants a non-const pointer.
CK_CHAR g_interface_name[] = "PKCS 11";
CK_INTERFACE g_interface = {g_interface_name, &g_function_list, 0};

bool is_pkcs11_name(const CK_UTF8CHAR* name)
{
    const char* expected = "PKCS 11";
    for (std::size_t i = 0;; ++i) {
        if (name[i] != static_cast<CK_UTF8CHAR>(expected[i])) return false;
        if (expected[i] == '\0') return true;
    }
}

}  // namespace

// The three exported entry points (everything else is compiled with hidden visibility).
#define MYNACARD_EXPORT __attribute__((visibility("default")))

extern "C" {

MYNACARD_EXPORT CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ppFunctionList)
{
    if (ppFunctionList == nullptr) return CKR_ARGUMENTS_BAD;
    *ppFunctionList = &g_function_list;
    return CKR_OK;
}

// PKCS#11 v3.0 §5.4 C_GetInterfaceList: the two-call convention over one entry.
MYNACARD_EXPORT CK_RV C_GetInterfaceList(CK_INTERFACE_PTR pInterfacesList, CK_ULONG_PTR pulCount)
{
    if (pulCount == nullptr) return CKR_ARGUMENTS_BAD;
    if (pInterfacesList == nullptr) {
        *pulCount = 1;
        return CKR_OK;
    }
    if (*pulCount < 1) {
        *pulCount = 1;
        return CKR_BUFFER_TOO_SMALL;
    }
    pInterfacesList[0] = g_interface;
    *pulCount = 1;
    return CKR_OK;
}

// PKCS#11 v3.0 §5.4 C_GetInterface: NULL name = the default interface; a version, if given,
// must be the one we have (2.40); flags we do not offer (e.g. CKF_INTERFACE_FORK_SAFE) fail.
MYNACARD_EXPORT CK_RV C_GetInterface(CK_UTF8CHAR_PTR pInterfaceName, CK_VERSION_PTR pVersion,
                     CK_INTERFACE_PTR_PTR ppInterface, CK_FLAGS flags)
{
    if (ppInterface == nullptr) return CKR_ARGUMENTS_BAD;
    if (pInterfaceName != nullptr && !is_pkcs11_name(pInterfaceName)) return CKR_ARGUMENTS_BAD;
    if (pVersion != nullptr && (pVersion->major != CRYPTOKI_VERSION_MAJOR || pVersion->minor != CRYPTOKI_VERSION_MINOR))
        return CKR_ARGUMENTS_BAD;
    if ((flags & ~g_interface.flags) != 0) return CKR_ARGUMENTS_BAD;
    *ppInterface = &g_interface;
    return CKR_OK;
}

}  // extern "C"
