#!/usr/bin/env bash
# mcsec uid: the F.2.1.2 vector by period number and by time, and usage errors.
set -u
MCSEC=${1:?}
pass=0 fail=0
check() { if [ "$1" = "$2" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $3: got '$1' want '$2'" >&2; fi; }
W=3a81fb14c3b1d0fe43c9c577104d55a6d81788bfd2f09743c4557746a5a0353b
A="--uri sip:user@example.org --kms-uri kms.example.org --period-len 2592000 --period-offset 0"
check "$($MCSEC uid $A --period-no 1388)" $W "by period number"
# NTP 3599719634 = Unix 1390730834 (2014-01-26T10:07:14Z)
check "$($MCSEC uid $A --time 1390730834)" $W "by time"
check "$($MCSEC uid $A --time 1390730834 --period-no 1388 >/dev/null 2>&1; echo $?)" 2 "both selectors"
check "$($MCSEC uid $A >/dev/null 2>&1; echo $?)" 2 "no selector"
check "$($MCSEC uid --uri x --kms-uri y --period-len 0 --period-offset 0 --period-no 1 >/dev/null 2>&1; echo $?)" 2 "zero period"
check "$($MCSEC uid $A --period-no -1 >/dev/null 2>&1; echo $?)" 2 "negative"
check "$($MCSEC uid --help >/dev/null; echo $?)" 0 "help"
echo "cli_uid: $pass passed, $fail failed"
[ $fail = 0 ]
