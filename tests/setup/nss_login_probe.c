/* nss_login_probe: what NSS asks a password for when a browser meets a client-auth request.
 *
 *   nss_login_probe DBDIR AUTH_PIN SIGN_PIN
 *
 * Opens the NSS database DBDIR (the modules registered in its pkcs11.txt load, as in a browser)
 * with a password callback that prints one line per request, "password-asked: <token label>",
 * and answers with AUTH_PIN for a token whose label contains "Auth", SIGN_PIN for one whose label
 * contains "Sign" (so that a wrong registration is seen, not hidden by a refused login). Then
 * it runs, in order, the two searches browsers on Linux make on a client-auth page:
 *   1. Firefox: FindClientCertificatesWithPrivateKeys() in security/manager/ssl/
 *      nsNSSComponent.cpp (Firefox ESR 115+): for every slot of every module, except the internal
 *      and builtin-roots slots, `if (!PK11_IsPresent(slot)) skip; if (!PK11_IsFriendly(slot) &&
 *      PK11_Authenticate(slot, true, ctx) != SECSuccess) skip; PK11_ListCertsInSlot(slot);
 *      CERT_FilterCertListForUserCerts()`, then CERT_FilterCertListByUsage(certUsageSSLClient),
 *      then "Select Automatically" (TLSClientAuthCertSelection.cpp): the first certificate with a
 *      key from PK11_FindKeyByAnyCert() and without keyUsage nonRepudiation.
 *   2. Chromium (net/ssl/client_cert_store_nss.cc): CERT_FindUserCertsByUsage(certUsageSSLClient)
 *      and PK11_FindKeyByAnyCert() for the result.
 * The key chosen signs a SHA-256 digest (PK11_Sign), as in the TLS CertificateVerify.
 * Output lines (stdout): "password-asked: LABEL", "candidate: SUBJECT", "selected: SUBJECT",
 * "signed: N bytes", "chromium-candidate: SUBJECT". Exit 0 when a certificate was selected and
 * signed with, 1 otherwise, 2 on a usage or NSS initialisation error.
 *
 * Not part of the product: a test of how the registration card-cp setup writes behaves in NSS.
 */
#include <nss.h>
#include <pk11pub.h>
#include <cert.h>
#include <certdb.h>
#include <secmod.h>
#include <keyhi.h>
#include <cryptohi.h>
#include <hasht.h>
#include <secerr.h>
#include <prerror.h>
#include <plstr.h>

#include <stdio.h>
#include <string.h>

static const char *g_auth_pin;
static const char *g_sign_pin;

static char *password_cb(PK11SlotInfo *slot, PRBool retry, void *arg)
{
    (void)arg;
    const char *token = PK11_GetTokenName(slot);
    printf("password-asked: %s%s\n", token, retry ? " (retry)" : "");
    fflush(stdout);
    if (retry) return NULL; /* never a second try with the same PIN */
    if (strstr(token, "Auth")) return PL_strdup(g_auth_pin);
    if (strstr(token, "Sign")) return PL_strdup(g_sign_pin);
    return NULL;
}

static int has_non_repudiation(CERTCertificate *cert)
{
    SECItem ku = {siBuffer, NULL, 0};
    if (CERT_FindKeyUsageExtension(cert, &ku) != SECSuccess) return 0;
    int nr = ku.len > 0 && (ku.data[0] & KU_NON_REPUDIATION);
    SECITEM_FreeItem(&ku, PR_FALSE);
    return nr;
}

static int sign_with(SECKEYPrivateKey *key)
{
    /* CKM_RSA_PKCS over a SHA-256 DigestInfo (RFC 8017 §9.2 note 1 prefix + digest): what NSS's
     * TLS 1.2 CertificateVerify does for an RSA key. */
    unsigned char di[51] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                            0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
    memset(di + 19, 0x5a, 32);
    SECItem encoded = {siBuffer, di, sizeof di};
    int len = PK11_SignatureLen(key);
    SECItem sig = {siBuffer, NULL, 0};
    if (len <= 0 || !SECITEM_AllocItem(NULL, &sig, (unsigned)len)) return 0;
    SECStatus rv = PK11_Sign(key, &sig, &encoded);
    if (rv == SECSuccess) printf("signed: %u bytes\n", sig.len);
    else printf("sign-failed: %d\n", PR_GetError());
    SECITEM_FreeItem(&sig, PR_FALSE);
    return rv == SECSuccess;
}

static CERTCertificate *firefox_select(void)
{
    CERTCertList *found = CERT_NewCertList();
    PK11SlotInfo *internal = PK11_GetInternalKeySlot();
    SECMODListLock *lock = SECMOD_GetDefaultModuleListLock();
    SECMOD_GetReadLock(lock);
    for (SECMODModuleList *l = SECMOD_GetDefaultModuleList(); l; l = l->next) {
        for (int i = 0; i < l->module->slotCount; i++) {
            PK11SlotInfo *slot = l->module->slots[i];
            if (slot == internal || PK11_HasRootCerts(slot)) continue; /* soft token: no card keys */
            if (!PK11_IsPresent(slot)) continue;
            if (!PK11_IsFriendly(slot) && PK11_Authenticate(slot, PR_TRUE, NULL) != SECSuccess)
                continue;
            CERTCertList *certs = PK11_ListCertsInSlot(slot);
            if (!certs) continue;
            if (CERT_FilterCertListForUserCerts(certs) == SECSuccess) {
                for (CERTCertListNode *n = CERT_LIST_HEAD(certs); !CERT_LIST_END(n, certs);
                     n = CERT_LIST_NEXT(n))
                    CERT_AddCertToListTail(found, CERT_DupCertificate(n->cert));
            }
            CERT_DestroyCertList(certs);
        }
    }
    SECMOD_ReleaseReadLock(lock);
    if (internal) PK11_FreeSlot(internal);
    CERT_FilterCertListByUsage(found, certUsageSSLClient, PR_FALSE);

    CERTCertificate *chosen = NULL, *low = NULL;
    for (CERTCertListNode *n = CERT_LIST_HEAD(found); !CERT_LIST_END(n, found); n = CERT_LIST_NEXT(n))
        printf("candidate: %s\n", n->cert->subjectName);
    for (CERTCertListNode *n = CERT_LIST_HEAD(found); !CERT_LIST_END(n, found) && !chosen;
         n = CERT_LIST_NEXT(n)) {
        SECKEYPrivateKey *key = PK11_FindKeyByAnyCert(n->cert, NULL);
        if (key) {
            if (has_non_repudiation(n->cert)) {
                if (!low) low = CERT_DupCertificate(n->cert);
            } else {
                chosen = CERT_DupCertificate(n->cert);
            }
            SECKEY_DestroyPrivateKey(key);
        }
        if (PR_GetError() == SEC_ERROR_BAD_PASSWORD) break;
    }
    if (!chosen) chosen = low;
    else if (low) CERT_DestroyCertificate(low);
    CERT_DestroyCertList(found);
    return chosen;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: nss_login_probe DBDIR AUTH_PIN SIGN_PIN\n");
        return 2;
    }
    g_auth_pin = argv[2];
    g_sign_pin = argv[3];
    PK11_SetPasswordFunc(password_cb);
    char config[4096];
    snprintf(config, sizeof config, "sql:%s", argv[1]);
    if (NSS_Init(config) != SECSuccess) {
        fprintf(stderr, "NSS_Init(%s) failed: %d\n", config, PR_GetError());
        return 2;
    }
    int ok = 0;
    printf("== firefox\n");
    CERTCertificate *cert = firefox_select();
    if (cert) {
        printf("selected: %s\n", cert->subjectName);
        SECKEYPrivateKey *key = PK11_FindKeyByAnyCert(cert, NULL);
        if (key) {
            ok = sign_with(key);
            SECKEY_DestroyPrivateKey(key);
        }
        CERT_DestroyCertificate(cert);
    } else {
        printf("selected: none\n");
    }
    printf("== chromium\n");
    CERTCertList *list = CERT_FindUserCertsByUsage(CERT_GetDefaultCertDB(), certUsageSSLClient,
                                                   PR_FALSE, PR_FALSE, NULL);
    if (list) {
        for (CERTCertListNode *n = CERT_LIST_HEAD(list); !CERT_LIST_END(n, list); n = CERT_LIST_NEXT(n))
            printf("chromium-candidate: %s\n", n->cert->subjectName);
        CERT_DestroyCertList(list);
    }
    fflush(stdout);
    if (NSS_Shutdown() != SECSuccess) fprintf(stderr, "NSS_Shutdown: %d\n", PR_GetError());
    return ok ? 0 : 1;
}
