/* The KMS interface of TS 33.180 Annex D as XML (namespace
 * urn:3gpp:ns:mcsecKMSInterface:1.0): KmsRequest and KmsResponse with
 * KmsInit (KmsCertificate), KmsKeyProv (KmsKeySet), KmsCertCache and KmsError,
 * plus mcsec's KMS-managed CEK extension (namespace MCSEC_KMSXML_CEK_NS).
 *
 * Sans-I/O: structures in, XML octets out, and back. Parsing goes through
 * libxml2 with the network, DTDs and entity expansion disabled; documents
 * larger than MCSEC_KMSXML_MAX_BYTES are refused before parsing, and so is
 * anything but UTF-8 (a NUL octet, a non-UTF-8 encoding declaration).
 * Every call uses its own parser context: safe from several threads, no
 * setup by the caller, nothing printed.
 *
 * Strings are trimmed of surrounding whitespace when read and must have none
 * when written (so that parse(build(s)) == s); control characters are
 * refused both ways. The int flags (has_*, revoked, has_cek_peer) are 0 or 1;
 * a value under a has_ flag of 0 is not written.
 *
 * Times are Unix seconds (UTC). On output xsd:dateTime is written as
 * "YYYY-MM-DDThh:mm:ssZ"; on input a value without a zone, with "Z", or with
 * a "+hh:mm"/"-hh:mm" offset is accepted, fractions of a second dropped.
 * Key values are hexBinary (either case accepted). UserID is written in
 * base64 (TS 33.180 D.3.3); on input 64 hex digits or base64 of 32 octets
 * are both accepted (docs/interop.md). */
#ifndef MCSEC_KMSXML_H
#define MCSEC_KMSXML_H

#include <stdint.h>

#include "mcsec/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MCSEC_KMSXML_NS "urn:3gpp:ns:mcsecKMSInterface:1.0"
/* Our extension namespace (D.1: "Where the interface is extended, a
 * different XML namespace should be used"). */
#define MCSEC_KMSXML_CEK_NS "urn:mcsec:ns:kmsExtension:1.0"
#define MCSEC_KMSXML_MAX_BYTES 65536 /* largest document parsed */
#define MCSEC_KMSXML_URI_MAX 255     /* longest URI / string field, in octets */
#define MCSEC_KMSXML_MAX_KEYSETS 4   /* key sets carried in one KmsKeyProv */
#define MCSEC_KMSXML_MAX_CERTS 8     /* certificates in one KmsCertCache */
#define MCSEC_KMSXML_CEK_BYTES 32
#define MCSEC_KMSXML_CEK_ID_BYTES 16
#define MCSEC_KMSXML_PEM_MAX 8192    /* extension: a PEM certificate in KmsInit */

/* A bounded string: NUL-terminated, at most MCSEC_KMSXML_URI_MAX octets. */
typedef char mcsec_kmsxml_str[MCSEC_KMSXML_URI_MAX + 1];

/* KmsCertificate (D.3.2). Optional parts have a has_ flag. */
typedef struct mcsec_kms_cert {
    mcsec_kmsxml_str version;       /* attribute Version, e.g. "1.1.0" */
    mcsec_kmsxml_str role;          /* attribute Role: "Root" or "External" */
    mcsec_kmsxml_str cert_uri;      /* optional ("" = absent) */
    mcsec_kmsxml_str kms_uri;
    mcsec_kmsxml_str issuer;        /* optional ("" = absent) */
    int has_valid_from, has_valid_to;
    int64_t valid_from, valid_to;
    int has_revoked;
    int revoked;
    mcsec_kmsxml_str user_id_format; /* "2" = TS 33.180 F.2.1 */
    uint64_t user_key_period;        /* P3, seconds, > 0 */
    uint64_t user_key_offset;        /* P4, seconds */
    uint8_t pub_enc_key[257];        /* SAKKE Z_T, 04 || x || y */
    uint8_t pub_auth_key[65];        /* ECCSI KPAK, 04 || x || y */
    int has_parameter_set;
    uint32_t parameter_set;
} mcsec_kms_cert;

/* KmsKeySet (D.3.3). Holds secrets: wipe with mcsec_kms_keyset_wipe(). */
typedef struct mcsec_kms_keyset {
    mcsec_kmsxml_str version;       /* attribute Version, "1.1.0" */
    mcsec_kmsxml_str kms_uri;
    mcsec_kmsxml_str cert_uri;      /* optional */
    mcsec_kmsxml_str issuer;        /* optional */
    mcsec_kmsxml_str user_uri;
    uint8_t user_id[32];            /* the F.2.1 UID */
    int has_valid_from, has_valid_to;
    int64_t valid_from, valid_to;
    uint64_t key_period_no;
    int has_revoked;
    int revoked;
    uint8_t rsk[257];               /* UserDecryptKey (SAKKE RSK) */
    uint8_t ssk[32];                /* UserSigningKeySSK */
    uint8_t pvt[65];                /* UserPubTokenPVT */
} mcsec_kms_keyset;

/* Extension: a KMS-managed CEK (TR 33.880 solution #13). */
typedef struct mcsec_kms_cek {
    uint8_t cek_id[MCSEC_KMSXML_CEK_ID_BYTES];
    uint8_t cek[MCSEC_KMSXML_CEK_BYTES]; /* secret */
    mcsec_kmsxml_str initiator;          /* user URI that created it */
    mcsec_kmsxml_str peer;               /* the one other URI allowed to fetch it */
    int64_t expires;                     /* Unix seconds */
} mcsec_kms_cek;

typedef enum mcsec_kmsxml_kind {
    MCSEC_KMSXML_NONE = 0,      /* a response with neither KmsMessage nor KmsError */
    MCSEC_KMSXML_INIT = 1,      /* KmsInit: one KmsCertificate */
    MCSEC_KMSXML_KEYPROV = 2,   /* KmsKeyProv: key sets */
    MCSEC_KMSXML_CERTCACHE = 3, /* KmsCertCache: certificates, CacheNum */
    MCSEC_KMSXML_CEK = 4,       /* extension: one CEK */
    MCSEC_KMSXML_ERROR = 5      /* KmsError */
} mcsec_kmsxml_kind;

/* KmsRequest (D.2.2), with the optional CEK extension element
 * <ext:CekRequest><ext:PeerUri>..</ext:PeerUri></ext:CekRequest> placed as the
 * last child (has_cek_peer). */
typedef struct mcsec_kms_request {
    mcsec_kmsxml_str version;       /* attribute Version, "1.1.0" */
    mcsec_kmsxml_str id;            /* attribute Id, optional */
    mcsec_kmsxml_str user_uri;
    mcsec_kmsxml_str kms_uri;
    int64_t time;
    mcsec_kmsxml_str client_id;     /* optional */
    mcsec_kmsxml_str device_id;     /* optional */
    mcsec_kmsxml_str client_req_url;
    int has_cek_peer;
    mcsec_kmsxml_str cek_peer;
} mcsec_kms_request;

/* KmsResponse (D.3.1). Holds secrets: wipe with mcsec_kms_response_wipe().
 * kind says which of the message parts is meaningful. */
typedef struct mcsec_kms_response {
    mcsec_kmsxml_str version;       /* attribute Version, "1.0.0" */
    mcsec_kmsxml_str id;            /* attribute Id, optional */
    mcsec_kmsxml_str user_uri;
    mcsec_kmsxml_str kms_uri;
    int64_t time;
    mcsec_kmsxml_str kms_id;        /* optional */
    mcsec_kmsxml_str client_req_url;
    mcsec_kmsxml_kind kind;
    mcsec_kms_cert cert;            /* INIT */
    /* INIT, extension: the MCPTT server's X.509 certificate in PEM (issue 6),
     * "" when absent. Carried as <ext:ServerCertificate> after KmsCertificate. */
    char server_cert_pem[MCSEC_KMSXML_PEM_MAX + 1];
    size_t n_keysets;               /* KEYPROV */
    mcsec_kms_keyset keysets[MCSEC_KMSXML_MAX_KEYSETS];
    size_t n_certs;                 /* CERTCACHE */
    mcsec_kms_cert certs[MCSEC_KMSXML_MAX_CERTS];
    uint64_t cache_num;
    mcsec_kms_cek cek;              /* CEK */
    int32_t error_code;             /* ERROR */
    mcsec_kmsxml_str error_msg;
} mcsec_kms_response;

/* Serialises req as a KmsRequest document (UTF-8, with XML declaration).
 * (out, *out_len): capacity in, length written out (no NUL added). Errors:
 * MCSEC_ERR_ARG (NULL, a required string empty, a string unterminated, with
 * a control character, invalid UTF-8 or surrounding whitespace, a time
 * outside 1970..9999, a flag not 0/1), MCSEC_ERR_BUFFER (*out_len set to the
 * size needed), MCSEC_ERR_NOMEM. On error nothing is left in out. */
MCSEC_API mcsec_err mcsec_kmsxml_request_build(uint8_t *out, size_t *out_len,
                                               const mcsec_kms_request *req) MCSEC_WARN_UNUSED;

/* Parses a KmsRequest. On error *req is zeroed. Errors: MCSEC_ERR_ARG,
 * MCSEC_ERR_LENGTH (over MCSEC_KMSXML_MAX_BYTES, or a string field over
 * MCSEC_KMSXML_URI_MAX), MCSEC_ERR_MALFORMED (not well-formed, wrong root,
 * namespace or element order, a DTD, not UTF-8, a bad dateTime, integer or
 * boolean, text between elements, a control character), MCSEC_ERR_MISSING
 * (UserUri, KmsUri, Time or ClientReqUrl absent), MCSEC_ERR_DUPLICATE,
 * MCSEC_ERR_NOMEM. Unknown elements in the 3GPP namespace are rejected;
 * elements in other namespaces other than ours are skipped. */
MCSEC_API mcsec_err mcsec_kmsxml_request_parse(mcsec_kms_request *req, const uint8_t *xml,
                                               size_t xml_len) MCSEC_WARN_UNUSED;

/* Serialises resp as a KmsResponse document. Same contract as
 * mcsec_kmsxml_request_build. Key values are written as
 * xsi:type="KeyContentType" hexBinary; KmsInit and KmsKeyProv as Version
 * "1.0.0" with xsi:type KmsInitTkIkType / KmsKeyProvTkIkType (the §4.8
 * form). MCSEC_ERR_ARG also for a kind out of range, more than the MAX_ key
 * sets or certificates, UserKeyPeriod 0 or a negative error_code. */
MCSEC_API mcsec_err mcsec_kmsxml_response_build(uint8_t *out, size_t *out_len,
                                                const mcsec_kms_response *resp) MCSEC_WARN_UNUSED;

/* Parses a KmsResponse (including the forms of uid-and-kms.md §4.8: with or
 * without xsi:type on KmsInit/KmsKeyProv and on key elements). Checks
 * lengths and hex of every key value, but not the keys themselves (the
 * client validates them). On error *resp is wiped. Errors as
 * mcsec_kmsxml_request_parse, plus MCSEC_ERR_LENGTH for a key of the wrong
 * size, MCSEC_ERR_UNSUPPORTED for EncKeyContentType (the security extension
 * is not implemented; likewise NewTransportKey/NewIntegrityKey,
 * SignedKmsCertificate and KmsLookup), MCSEC_ERR_BUFFER for more than the
 * MAX_ key sets or certificates. KmsCertCache takes plain KmsCertificate
 * children; an absent CacheNum reads as 0. A response carrying both
 * KmsMessage and KmsError is MALFORMED. The Version attributes of KmsInit,
 * KmsKeyProv and KmsCertCache are not kept. */
MCSEC_API mcsec_err mcsec_kmsxml_response_parse(mcsec_kms_response *resp, const uint8_t *xml,
                                                size_t xml_len) MCSEC_WARN_UNUSED;

MCSEC_API void mcsec_kms_keyset_wipe(mcsec_kms_keyset *ks);
MCSEC_API void mcsec_kms_response_wipe(mcsec_kms_response *resp);

/* Formats t (Unix seconds) as "YYYY-MM-DDThh:mm:ssZ" into out[21]; parses
 * the accepted xsd:dateTime forms. Errors: MCSEC_ERR_ARG, MCSEC_ERR_MALFORMED. */
MCSEC_API mcsec_err mcsec_kmsxml_time_format(char out[21], int64_t t) MCSEC_WARN_UNUSED;
MCSEC_API mcsec_err mcsec_kmsxml_time_parse(int64_t *t, const char *s) MCSEC_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
