/* Shared helpers of the mcsec CLI: argument access, hex/file input, JSON output,
 * one-line errors. Exit codes: 0 success/valid, 1 verification failed or input
 * rejected, 2 usage or environment error. */
#ifndef MCSEC_CLI_H
#define MCSEC_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mcsec/common.h"
#include "mcsec/kmsclient.h"

#define CLI_OK 0
#define CLI_REJECT 1
#define CLI_USAGE 2

/* A parsed command line: --name value pairs and bare positionals. */
typedef struct cli_args {
    const char *area, *verb; /* for error messages */
    int argc;
    char **argv;
    unsigned char used[64];  /* which argv entries were consumed */
} cli_args;

typedef struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the area name */
} cli_command;

/* Prints "mcsec: <area> <verb>: <message>" to stderr. */
void cli_error(const cli_args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Initialises a over argv[first..argc); returns 0, or 2 after printing an error
 * if an option lacks its value. */
int cli_args_init(cli_args *a, const char *area, const char *verb, int argc, char **argv);
/* The value of --name, or NULL. */
const char *cli_opt(cli_args *a, const char *name);
/* 1 if the flag --name is present (consumes it). */
int cli_flag(cli_args *a, const char *name);
/* The next bare argument not consumed yet (call after the options), or NULL. */
const char *cli_positional(cli_args *a);
/* 1 if --name appears, without consuming it. */
int cli_present(const cli_args *a, const char *name);
/* Fails (2) naming the first option not consumed by the command. */
int cli_check_unused(cli_args *a);
/* 1 if argv holds -h or --help. */
int cli_wants_help(int argc, char **argv);

/* Reads a hex value given as --name HEX or --name @FILE (a file holding hex).
 * Allocates *out (free with cli_free_secret). Returns 0, or 2 after an error. */
int cli_hex_opt(cli_args *a, const char *name, int required, uint8_t **out, size_t *len);
/* Like cli_hex_opt but the value must be exactly len bytes; shorter hex is
 * left-padded with zeros only if pad is set (integers). */
int cli_hex_fixed(cli_args *a, const char *name, uint8_t *out, size_t len, int pad);
/* Reads a whole file. Returns 0 or 2 after an error. */
int cli_read_file(cli_args *a, const char *path, uint8_t **out, size_t *len);

void cli_free_secret(uint8_t *p, size_t len);

/* Hex printing. */
void cli_print_hex(FILE *f, const uint8_t *p, size_t n);

/* JSON object output: cli_json_begin(); cli_json_hex("k", p, n); ... cli_json_end(); */
void cli_json_begin(void);
void cli_json_hex(const char *key, const uint8_t *p, size_t n);
void cli_json_str(const char *key, const char *value);
/* A JSON string literal of value (escaped) on stdout. */
void cli_json_string(const char *value);
/* A literal JSON value (true, false, a number) under key. */
void cli_json_raw(const char *key, const char *raw);
void cli_json_end(void);

/* Prints err as the command's one-line error and returns the exit status:
 * 1 when a check rejected the data (is_check: validate, verify, decap),
 * 2 for bad input to a generating verb or an environment failure. */
int cli_report(const cli_args *a, mcsec_err err, int is_check);

/* A verb of an area. */
typedef struct cli_verb {
    const char *name;
    int (*run)(cli_args *a);
} cli_verb;

/* Runs argv[1] of an area (argv[0] is the area name): prints help for
 * --help / -h anywhere, an error for an unknown verb. */
int cli_dispatch(const char *area, const char *help, const cli_verb *verbs, size_t nverbs,
                 int argc, char **argv);

/* The key store of --store P (a heap copy; passphrase from --passphrase-file
 * or MCSEC_KEYSTORE_PASSPHRASE), which must hold a KMS certificate. NULL when
 * --store is absent (an error, with *rc set, if required) or after a
 * reported error (*rc set: 1 for a wrong passphrase, 2 otherwise). */
struct mcsec_keystore *cli_load_store(cli_args *a, int *rc, int required);
void cli_free_store(struct mcsec_keystore *ks);

/* A KMS connection from --<url_opt> U --token T|@F [--ca F] [--id URI]
 * [--kms-uri S] (cmd_kms.c). */
typedef struct cli_kms_conn {
    char *url, *token, *id, *kms_uri;
    const char *ca;
    mcsec_kmsclient_config cfg;
} cli_kms_conn;
int cli_kms_conn_opts(cli_args *a, cli_kms_conn *c, const char *url_opt, int need_kms);
void cli_kms_conn_free(cli_kms_conn *c);
/* Reports a KMS client error with what the server said; returns 1 or 2. */
int cli_kms_report(cli_args *a, mcsec_err err, const mcsec_kmsclient_status *st);

/* Area entry points. */
int cmd_eccsi(int argc, char **argv);
int cmd_uid(int argc, char **argv);
int cmd_sakke(int argc, char **argv);
int cmd_mikey(int argc, char **argv);
int cmd_srtp(int argc, char **argv);
int cmd_kms(int argc, char **argv);
int cmd_keystore(int argc, char **argv);
int cmd_idm(int argc, char **argv);
int cmd_gms(int argc, char **argv);
/* keystore export / import (cmd_offnet.c), verbs of the keystore area (cmd_kms.c) */
int keystore_export(cli_args *a);
int keystore_import(cli_args *a);
int cmd_smime(int argc, char **argv);
int cmd_cert(int argc, char **argv);
int cmd_mcptt(int argc, char **argv);


#endif
