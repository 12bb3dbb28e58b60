// One C++ function per Cryptoki entry point, named after the C call (C_SignInit -> sign_init).
// entry.cpp calls these through guard(), which holds the module lock and has already checked
// that the module is initialised in this process. Each implementation opens with the spec
// section it follows (PKCS#11 v2.40 base specification, "§5.x").
#pragma once

#include "cryptoki.hpp"
#include "module.hpp"

namespace mynacard::p11 {

// §5.5 slot and token management
CK_RV get_slot_list(Module& m, CK_BBOOL token_present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count);
CK_RV get_slot_info(Module& m, CK_SLOT_ID slot, CK_SLOT_INFO_PTR info);
CK_RV get_token_info(Module& m, CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info);
CK_RV wait_for_slot_event(Module& m, ModuleLock& lock, CK_FLAGS flags, CK_SLOT_ID_PTR slot);
CK_RV get_mechanism_list(Module& m, CK_SLOT_ID slot, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count);
CK_RV get_mechanism_info(Module& m, CK_SLOT_ID slot, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info);
CK_RV init_token(Module& m, CK_SLOT_ID slot, CK_UTF8CHAR_PTR pin, CK_ULONG pin_len, CK_UTF8CHAR_PTR label);
CK_RV init_pin(Module& m, CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR pin, CK_ULONG pin_len);
CK_RV set_pin(Module& m, CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR old_pin, CK_ULONG old_len,
              CK_UTF8CHAR_PTR new_pin, CK_ULONG new_len);

// §5.6 session management
CK_RV open_session(Module& m, CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR app, CK_NOTIFY notify,
                   CK_SESSION_HANDLE_PTR h);
CK_RV close_session(Module& m, CK_SESSION_HANDLE h);
CK_RV close_all_sessions(Module& m, CK_SLOT_ID slot);
CK_RV get_session_info(Module& m, CK_SESSION_HANDLE h, CK_SESSION_INFO_PTR info);
CK_RV get_operation_state(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR state, CK_ULONG_PTR len);
CK_RV set_operation_state(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR state, CK_ULONG len,
                          CK_OBJECT_HANDLE enc_key, CK_OBJECT_HANDLE auth_key);
CK_RV login(Module& m, CK_SESSION_HANDLE h, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG pin_len);
CK_RV logout(Module& m, CK_SESSION_HANDLE h);

// §5.7 object management
CK_RV create_object(Module& m, CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count,
                    CK_OBJECT_HANDLE_PTR object);
CK_RV copy_object(Module& m, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE object, CK_ATTRIBUTE_PTR tmpl,
                  CK_ULONG count, CK_OBJECT_HANDLE_PTR new_object);
CK_RV destroy_object(Module& m, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE object);
CK_RV get_object_size(Module& m, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE object, CK_ULONG_PTR size);
CK_RV get_attribute_value(Module& m, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE object,
                          CK_ATTRIBUTE_PTR tmpl, CK_ULONG count);
CK_RV set_attribute_value(Module& m, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE object,
                          CK_ATTRIBUTE_PTR tmpl, CK_ULONG count);
CK_RV find_objects_init(Module& m, CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count);
CK_RV find_objects(Module& m, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR objects, CK_ULONG max,
                   CK_ULONG_PTR count);
CK_RV find_objects_final(Module& m, CK_SESSION_HANDLE h);

// §5.8-5.9 encryption / decryption: the card does neither.
CK_RV encrypt_init(Module& m, CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key);
CK_RV encrypt(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG in_len, CK_BYTE_PTR out,
              CK_ULONG_PTR out_len);
CK_RV encrypt_update(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG in_len,
                     CK_BYTE_PTR out, CK_ULONG_PTR out_len);
CK_RV encrypt_final(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG_PTR out_len);
CK_RV decrypt_init(Module& m, CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key);
CK_RV decrypt(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG in_len, CK_BYTE_PTR out,
              CK_ULONG_PTR out_len);
CK_RV decrypt_update(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG in_len,
                     CK_BYTE_PTR out, CK_ULONG_PTR out_len);
CK_RV decrypt_final(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG_PTR out_len);

// §5.10 message digesting (software)
CK_RV digest_init(Module& m, CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech);
CK_RV digest(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR out,
             CK_ULONG_PTR out_len);
CK_RV digest_update(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len);
CK_RV digest_key(Module& m, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key);
CK_RV digest_final(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG_PTR out_len);

// §5.11 signing (on the card)
CK_RV sign_init(Module& m, ModuleLock& lock, CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key);
CK_RV sign(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig,
           CK_ULONG_PTR sig_len);
CK_RV sign_update(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len);
CK_RV sign_final(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG_PTR sig_len);
CK_RV sign_recover_init(Module& m, CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key);
CK_RV sign_recover(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig,
                   CK_ULONG_PTR sig_len);

// §5.12 verification (software, against the public key)
CK_RV verify_init(Module& m, CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key);
CK_RV verify(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig,
             CK_ULONG sig_len);
CK_RV verify_update(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len);
CK_RV verify_final(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG sig_len);
CK_RV verify_recover_init(Module& m, CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key);
CK_RV verify_recover(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG sig_len,
                     CK_BYTE_PTR data, CK_ULONG_PTR data_len);

// §5.13 dual-function operations
CK_RV digest_encrypt_update(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG in_len,
                            CK_BYTE_PTR out, CK_ULONG_PTR out_len);
CK_RV decrypt_digest_update(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG in_len,
                            CK_BYTE_PTR out, CK_ULONG_PTR out_len);
CK_RV sign_encrypt_update(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG in_len,
                          CK_BYTE_PTR out, CK_ULONG_PTR out_len);
CK_RV decrypt_verify_update(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG in_len,
                            CK_BYTE_PTR out, CK_ULONG_PTR out_len);

// §5.14 key management: the token is read-only.
CK_RV generate_key(Module& m, CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_ATTRIBUTE_PTR tmpl,
                   CK_ULONG count, CK_OBJECT_HANDLE_PTR key);
CK_RV generate_key_pair(Module& m, CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech,
                        CK_ATTRIBUTE_PTR pub_tmpl, CK_ULONG pub_count, CK_ATTRIBUTE_PTR priv_tmpl,
                        CK_ULONG priv_count, CK_OBJECT_HANDLE_PTR pub, CK_OBJECT_HANDLE_PTR priv);
CK_RV wrap_key(Module& m, CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE wrapping,
               CK_OBJECT_HANDLE key, CK_BYTE_PTR out, CK_ULONG_PTR out_len);
CK_RV unwrap_key(Module& m, CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE unwrapping,
                 CK_BYTE_PTR wrapped, CK_ULONG wrapped_len, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count,
                 CK_OBJECT_HANDLE_PTR key);
CK_RV derive_key(Module& m, CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE base,
                 CK_ATTRIBUTE_PTR tmpl, CK_ULONG count, CK_OBJECT_HANDLE_PTR key);

// §5.15 random numbers, §5.16 legacy parallel functions
CK_RV seed_random(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR seed, CK_ULONG len);
CK_RV generate_random(Module& m, CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG len);
CK_RV get_function_status(Module& m, CK_SESSION_HANDLE h);
CK_RV cancel_function(Module& m, CK_SESSION_HANDLE h);

}  // namespace mynacard::p11
