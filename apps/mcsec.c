/* mcsec — command-line front end to libmcsec.  mcsec <area> <verb> [--flag value] */
#include <stdio.h>
#include <string.h>

#include "cli.h"


static const cli_command areas[] = {
    { "eccsi", "ECCSI signatures (RFC 6507): keygen, issue, validate, sign, verify", cmd_eccsi },
    { "sakke", "SAKKE key encapsulation (RFC 6508): keygen, issue, validate, encap, decap", cmd_sakke },
    { "mikey", "MIKEY-SAKKE messages (TS 33.180 Annex E): decode, create, open", cmd_mikey },
    { "srtp", "SRTP keying (derive) and SRTP/SRTCP media + floor control: protect, unprotect", cmd_srtp },
    { "gms", "group management server keying: create, add, remove, rekey, revoke, show, distribute", cmd_gms },
    { "uid", "TS 33.180 F.2.1 MIKEY-SAKKE UID of a URI for a key period", cmd_uid },
    { "kms", "KMS client and store administration: fetch, certcache, cek-create, cek-fetch, revoke, stats", cmd_kms },
    { "keystore", "the client key store: show, export, import (off-network)", cmd_keystore },
    { "idm", "IdM access tokens (JWT, TS 33.180 Annex B): token, verify", cmd_idm },
    { "smime", "S/MIME (CMS) protection of SIP message bodies: protect, unprotect", cmd_smime },
    { "cert", "self-signed X.509 certificates for S/MIME: selfsign", cmd_cert },
    { "mcptt", "a minimal MCPTT server and client with S/MIME-protected SIP: server, client", cmd_mcptt },
};

static void usage(FILE *f)
{
    fprintf(f, "usage: mcsec <area> <verb> [options]\n"
               "       mcsec --version | --help\n\n"
               "End-to-end security for mission-critical push-to-talk (3GPP TS 33.180).\n\nareas:\n");
    for (size_t i = 0; i < sizeof areas / sizeof areas[0]; i++)
        fprintf(f, "  %-8s %s\n", areas[i].name, areas[i].summary);
    fprintf(f, "\n'mcsec <area> --help' lists an area's verbs.\n"
               "Binary values are hex on the command line; '--name @FILE' reads the hex from FILE.\n"
               "Exit status: 0 success or valid, 1 verification failed or input rejected,\n"
               "2 usage or environment error.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("mcsec %s\n", mcsec_version());
        return CLI_OK;
    }
    for (size_t i = 0; i < sizeof areas / sizeof areas[0]; i++)
        if (strcmp(argv[1], areas[i].name) == 0)
            return areas[i].run(argc - 1, argv + 1);
    fprintf(stderr, "mcsec: unknown area '%s' (see mcsec --help)\n", argv[1]);
    return CLI_USAGE;
}
