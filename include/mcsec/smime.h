/* mcsec smime — S/MIME (CMS, RFC 5652) protection of the body of a SIP
 * request or response (RFC 3261 §23, RFC 8551), sans-I/O, with OpenSSL 3.
 *
 * protect: the body and its own Content-Type become a MIME entity
 *     "Content-Type: <original value>\r\n"
 *     ["Content-Disposition: <original value>\r\n"]          (if the message had one)
 *     ["Content-Transfer-Encoding: <original value>\r\n"]    (if the message had one)
 *     "\r\n" <original body octets>
 * which is signed (SignedData, SHA-256, signer certificate included) and/or
 * encrypted (EnvelopedData/AuthEnvelopedData to a KEK or a certificate). When both
 * are asked for, the inner CMS object is itself wrapped as a MIME entity
 *     "Content-Type: application/pkcs7-mime; smime-type=<type>; name=smime.p7m\r\n"
 *     "Content-Transfer-Encoding: binary\r\n\r\n" <DER>
 * before the outer operation (RFC 8551 §3.7 nesting). The SIP message gets
 *     Content-Type: application/pkcs7-mime; smime-type=<outermost type>; name=smime.p7m
 *     Content-Disposition: attachment; handling=required; filename=smime.p7m
 *     [Content-Transfer-Encoding: base64]
 *     Content-Length: <octets of the new body>
 * and the DER (binary, the default) or its base64 (76-column lines, CRLF).
 * Every other header line of the message is copied byte for byte. See
 * docs/smime.md for the whole profile.
 *
 * The CEK and IV are fresh for every body and come from OpenSSL's RNG
 * (RAND_priv_bytes inside the CMS code; OpenSSL offers no way to supply them).
 */
#ifndef MCSEC_SMIME_H
#define MCSEC_SMIME_H

#include <stddef.h>
#include <stdint.h>

#include "mcsec/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest SIP message accepted by protect and unprotect (octets). */
#define MCSEC_SMIME_MAX_MESSAGE (1u << 20)
/* Most CMS layers unprotect will open (signed + enveloped nest to 2). */
#define MCSEC_SMIME_MAX_LAYERS 4
/* Longest KEK identifier (KEKIdentifier.keyIdentifier) accepted. */
#define MCSEC_SMIME_MAX_KEK_ID 64

/* Content-encryption algorithm. DEFAULT is AES-128-CBC (RFC 3853's mandatory
 * algorithm) in EnvelopedData when a signature is the outer layer (encrypt,
 * then sign), and AES-128-GCM in AuthEnvelopedData (RFC 5083/5084,
 * smime-type=authEnveloped-data) when the encryption is outermost (encrypt
 * only, or sign first), so that every octet of every protected body is
 * covered by a signature or a GCM tag. An explicit CBC choice for an outermost
 * encryption is allowed but does not detect changes (docs/smime.md). */
typedef enum mcsec_smime_cipher {
    MCSEC_SMIME_CIPHER_DEFAULT = 0,
    MCSEC_SMIME_AES128_CBC = 1,
    MCSEC_SMIME_AES256_CBC = 2,
    MCSEC_SMIME_AES128_GCM = 3,
    MCSEC_SMIME_AES256_GCM = 4
} mcsec_smime_cipher;

/* What to do. PEM buffers need not be NUL-terminated. At least one of signing
 * (sign_cert_pem + sign_key_pem) and encryption (recip_cert_pem, or kek +
 * kek_id) must be given; recip_cert_pem and kek exclude each other. */
typedef struct mcsec_smime_protect_opts {
    const char *sign_cert_pem; size_t sign_cert_pem_len; /* signer certificate */
    const char *sign_key_pem; size_t sign_key_pem_len;   /* its private key (P-256 or RSA) */
    const char *recip_cert_pem; size_t recip_cert_pem_len; /* RSA: KTRI with RSAES-OAEP
                                                           (SHA-256); EC: KARI (ECDH) */
    const uint8_t *kek; size_t kek_len;       /* 16 or 32 octets: KEKRI, AES key wrap */
    const uint8_t *kek_id; size_t kek_id_len; /* 1..MCSEC_SMIME_MAX_KEK_ID octets */
    int sign_first;   /* 0: encrypt, then sign (EnvelopedData inside SignedData);
                         1: sign, then encrypt (SignedData inside EnvelopedData) */
    int base64;       /* 1: base64 body with Content-Transfer-Encoding: base64 */
    mcsec_smime_cipher cipher;
} mcsec_smime_protect_opts;

/* Protects the body of the SIP message sip. The message must parse as a SIP
 * request or response (libosip2), have CRLF or LF line ends, a Content-Type and
 * a non-empty body whose length equals Content-Length (if present).
 * (out, *out_len): capacity in, length written out. On any error out is not
 * written. Errors: MCSEC_ERR_ARG (NULL, no operation, both a certificate and a
 * KEK, a KEK not 16/32 octets, a KEK ID empty or too long, an unknown cipher),
 * MCSEC_ERR_LENGTH (message over MCSEC_SMIME_MAX_MESSAGE), MCSEC_ERR_MALFORMED
 * (not a SIP message, a bad header line, unusable PEM certificate or key, a key
 * that does not match its certificate), MCSEC_ERR_MISSING (no Content-Type or
 * no body), MCSEC_ERR_DUPLICATE (two Content-Type/Content-Length headers),
 * MCSEC_ERR_TRUNCATED / MCSEC_ERR_TRAILING (body shorter / longer than
 * Content-Length), MCSEC_ERR_UNSUPPORTED (a key type other than P-256 or RSA
 * >= 2048), MCSEC_ERR_BUFFER (*out_len set to a capacity that suffices for a
 * retry with the same inputs), MCSEC_ERR_NOMEM, MCSEC_ERR_CRYPTO. */
MCSEC_API mcsec_err mcsec_smime_protect(uint8_t *out, size_t *out_len, const uint8_t *sip,
                                        size_t sip_len,
                                        const mcsec_smime_protect_opts *opts) MCSEC_WARN_UNUSED;

/* Keys and policy for unprotect. A layer is opened with the matching key:
 * a KEKRecipientInfo whose keyIdentifier equals kek_id with kek, or a
 * KTRI/KARI addressed to cert_pem with key_pem. trust_pem holds one or more PEM
 * certificates (CA or self-signed): when given, the message MUST carry a
 * signature whose signer chains to one of them (S/MIME signing purpose, validity
 * dates checked). Without it a signature is still verified with the signer
 * certificate embedded in the SignedData: integrity, not authentication. */
/* kek_lookup (optional, used only when kek is NULL): called for each
 * KEKRecipientInfo of an encrypted layer, in order, with its keyIdentifier;
 * returns MCSEC_OK with the 16- or 32-octet KEK in kek (capacity 32, *kek_len
 * set), or an error (MCSEC_ERR_NOT_FOUND: try the next RecipientInfo). The
 * first KEK found is used; if none is, the layer fails with
 * MCSEC_ERR_RECIPIENT. This is how a server resolves a KEK-ID it learns only
 * from the message (a CEK cache, a KMS fetch behind it: see mcsec/mcptt.h). */
typedef mcsec_err (*mcsec_smime_kek_lookup_fn)(void *ctx, uint8_t kek[32], size_t *kek_len,
                                              const uint8_t *kek_id, size_t kek_id_len);

typedef struct mcsec_smime_unprotect_opts {
    const uint8_t *kek; size_t kek_len;
    const uint8_t *kek_id; size_t kek_id_len;
    const char *cert_pem; size_t cert_pem_len;
    const char *key_pem; size_t key_pem_len;
    const char *trust_pem; size_t trust_pem_len;
    mcsec_smime_kek_lookup_fn kek_lookup; void *kek_lookup_ctx;
} mcsec_smime_unprotect_opts;

/* What unprotect found (outermost layer first). */
#define MCSEC_SMIME_SIGNED 1u     /* a SignedData layer verified */
#define MCSEC_SMIME_ENCRYPTED 2u  /* an (Auth)EnvelopedData layer decrypted */
#define MCSEC_SMIME_TRUSTED 4u    /* the signer chains to trust_pem */
#define MCSEC_SMIME_AEAD 8u       /* an AuthEnvelopedData (GCM) layer */
typedef struct mcsec_smime_info {
    unsigned flags;
    unsigned layers;              /* CMS layers opened */
    int sign_first;               /* 1 if SignedData was inside EnvelopedData */
    uint8_t kek_id[MCSEC_SMIME_MAX_KEK_ID]; /* the KEKRecipientInfo that was opened */
    size_t kek_id_len;            /* 0 if no KEK was used */
    char signer[256];             /* subject CN (else the whole subject, one line) of
                                     the last signer verified; "" if unsigned */
} mcsec_smime_info;

/* Opens every CMS layer of an application/pkcs7-mime body (binary or
 * Content-Transfer-Encoding: base64), checks that each layer's declared
 * smime-type equals its CMS content type, and writes the message with the
 * innermost MIME entity's headers in place of the protected body's
 * Content-Type (Content-Disposition / Content-Transfer-Encoding of the
 * protected body removed, inner ones written after Content-Type) and a
 * corrected Content-Length. info may be NULL. On any error out and *info are
 * not written (*out_len is, for MCSEC_ERR_BUFFER only).
 * Errors: MCSEC_ERR_ARG (NULL, a KEK not 16/32 octets, cert without key),
 * MCSEC_ERR_LENGTH, MCSEC_ERR_MALFORMED (not SIP, not a DER CMS object, a
 * smime-type that is not the CMS type inside — a Content-Type lie —, an inner
 * MIME entity without Content-Type, bad base64, bad PEM), MCSEC_ERR_UNSUPPORTED
 * (body not application/pkcs7-mime, a CMS type other than signed,
 * enveloped or authEnveloped data, detached content, too many layers),
 * MCSEC_ERR_TRUNCATED (body or DER shorter than declared), MCSEC_ERR_TRAILING,
 * MCSEC_ERR_DUPLICATE, MCSEC_ERR_RECIPIENT (no RecipientInfo for the given
 * KEK ID / certificate, or no key given for an encrypted layer),
 * MCSEC_ERR_DECAP (key unwrap or content decryption / GCM tag failed),
 * MCSEC_ERR_VERIFY (a signature or message digest does not verify),
 * MCSEC_ERR_UNTRUSTED (signer not chaining to trust_pem), MCSEC_ERR_MISSING
 * (trust_pem given but no signature), MCSEC_ERR_BUFFER (*out_len = needed),
 * MCSEC_ERR_NOMEM, MCSEC_ERR_CRYPTO. */
MCSEC_API mcsec_err mcsec_smime_unprotect(uint8_t *out, size_t *out_len, mcsec_smime_info *info,
                                          const uint8_t *sip, size_t sip_len,
                                          const mcsec_smime_unprotect_opts *opts) MCSEC_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
