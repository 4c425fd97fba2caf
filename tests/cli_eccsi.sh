#!/usr/bin/env bash
# The mcsec eccsi CLI as a user drives it: exit codes (0 valid, 1 rejected,
# 2 usage), one-line errors, JSON shapes, and the RFC 6507 vector end to end.
set -u
MCSEC=${1:?usage: cli_eccsi.sh path/to/mcsec}
pass=0 fail=0
ok()   { pass=$((pass+1)); }
bad()  { fail=$((fail+1)); echo "FAIL: $*" >&2; }
# expect CODE cmd... : runs cmd, checks its exit status
expect() { local want=$1; shift; "$@" >/tmp/cli_out.$$ 2>/tmp/cli_err.$$; local got=$?
  if [ "$got" = "$want" ]; then ok; else bad "exit $got (want $want): $*"; cat /tmp/cli_err.$$ >&2; fi; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

expect 0 "$MCSEC" --help
expect 0 "$MCSEC" --version
grep -q "^mcsec [0-9]" /tmp/cli_out.$$ && ok || bad "--version output"
expect 2 "$MCSEC"
expect 2 "$MCSEC" nosuch
expect 0 "$MCSEC" eccsi --help
for v in keygen issue validate sign verify; do expect 0 "$MCSEC" eccsi $v --help; done
expect 2 "$MCSEC" eccsi frobnicate

# RFC 6507 Appendix A through the CLI
ID=323031312D30320074656C3A2B34343737303039303031323300
MSG=6D65737361676500
KSAK=12345
KPAK=0450D4670BDE75244F28D2838A0D25558A7A72686D4522D4C8273FB6442AEBFA93DBDD37551AFD263B5DFD617F3960C65A8C298850FF99F20366DCE7D4367217F4
PVT=04758A142779BE89E829E71984CB40EF758CC4AD775FC5B9A3E1C8ED52F6FA36D9A79D247692F4EDA3A6BDAB77D6AA6474A464AE4934663C5265BA7018BA091F79
SSK=23F374AE1F4033F3E9DBDDAAEF20F4CF0B86BBD5A138A5AE9E7E006B34489A0D
SIG=269D4C8FDEB66A74E4EF8C0D5DCC597DDFE6029C2AFFC4936008CD2CC1045D81E09B528D0EF8D6DF1AA3ECBF80110CFCEC9FC68252CEBB679F4134846940CCFD$PVT
expect 0 "$MCSEC" eccsi validate --kpak $KPAK --id $ID --ssk $SSK --pvt $PVT
expect 0 "$MCSEC" eccsi verify --kpak $KPAK --id $ID --msg $MSG --sig $SIG
# tampered message, signature, identity; r = s = 0
expect 1 "$MCSEC" eccsi verify --kpak $KPAK --id $ID --msg 6D65737361676501 --sig $SIG
expect 1 "$MCSEC" eccsi verify --kpak $KPAK --id ${ID/3032/3033} --msg $MSG --sig $SIG
ZSIG=$(printf '0%.0s' $(seq 128))$PVT
expect 1 "$MCSEC" eccsi verify --kpak $KPAK --id $ID --msg $MSG --sig $ZSIG
grep -q "^mcsec: eccsi verify: integer out of range$" /tmp/cli_err.$$ && ok || bad "r=s=0 error text"
expect 1 "$MCSEC" eccsi validate --kpak $KPAK --id $ID --ssk ${SSK%?}E --pvt $PVT
# malformed lengths and hex are usage errors, with one line on stderr
expect 2 "$MCSEC" eccsi verify --kpak ${KPAK%??} --id $ID --msg $MSG --sig $SIG
[ "$(wc -l </tmp/cli_err.$$)" = 1 ] && ok || bad "error is not one line"
expect 2 "$MCSEC" eccsi verify --kpak $KPAK --id $ID --msg $MSG --sig ${SIG}00
expect 2 "$MCSEC" eccsi verify --kpak $KPAK --id $ID --msg zz --sig $SIG
expect 2 "$MCSEC" eccsi verify --kpak $KPAK --id $ID --sig $SIG
expect 2 "$MCSEC" eccsi verify --kpak $KPAK --id $ID --msg $MSG --sig $SIG --bogus 1
expect 2 "$MCSEC" eccsi verify --kpak $KPAK --id $ID --msg $MSG --sig
expect 2 "$MCSEC" eccsi issue --ksak 00 --id $ID
grep -q "^mcsec: eccsi issue: integer out of range$" /tmp/cli_err.$$ && ok || bad "ksak range error text"
expect 2 "$MCSEC" eccsi issue --ksak FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551 --id $ID

# keygen -> issue -> validate -> sign -> verify, hex from files and --msg-file
T=$(mktemp -d); trap 'rm -rf "$T" /tmp/cli_out.$$ /tmp/cli_err.$$' EXIT
expect 0 "$MCSEC" eccsi keygen; cp /tmp/cli_out.$$ $T/kms.json
ksak=$(json ksak <$T/kms.json); kpak=$(json kpak <$T/kms.json)
[ ${#ksak} = 64 ] && [ ${#kpak} = 130 ] && ok || bad "keygen JSON sizes"
uid=$(printf 'sip:alice@example.org' | sha256sum | cut -c1-64)
expect 0 "$MCSEC" eccsi issue --ksak $ksak --id $uid; cp /tmp/cli_out.$$ $T/user.json
ssk=$(json ssk <$T/user.json); pvt=$(json pvt <$T/user.json); hs=$(json hs <$T/user.json)
[ ${#ssk} = 64 ] && [ ${#pvt} = 130 ] && [ ${#hs} = 64 ] && ok || bad "issue JSON sizes"
echo $ssk >$T/ssk.hex
printf 'hello group' >$T/msg.bin
expect 0 "$MCSEC" eccsi sign --kpak $kpak --id $uid --ssk @$T/ssk.hex --pvt $pvt --msg-file $T/msg.bin
sig=$(cat /tmp/cli_out.$$)
[ ${#sig} = 258 ] && ok || bad "signature length"
expect 0 "$MCSEC" eccsi verify --kpak $kpak --id $uid --msg-file $T/msg.bin --sig $sig
printf 'hello groUp' >$T/msg2.bin
expect 1 "$MCSEC" eccsi verify --kpak $kpak --id $uid --msg-file $T/msg2.bin --sig $sig
expect 2 "$MCSEC" eccsi verify --kpak $kpak --id $uid --msg-file $T/nonexistent --sig $sig
# signing with a key that does not validate is refused before signing
expect 1 "$MCSEC" eccsi sign --kpak $KPAK --id $uid --ssk $ssk --pvt $pvt --msg 00
# no secret in any error line
! grep -qi "$ssk" /tmp/cli_err.$$ && ok || bad "secret in error output"

echo "cli_eccsi: $pass passed, $fail failed"
[ $fail = 0 ]
