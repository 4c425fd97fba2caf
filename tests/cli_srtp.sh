#!/usr/bin/env bash
# mcsec srtp derive against the digest's Etherstack GMK vector and the SPK-type vector.
set -u
M=${1:?}
pass=0 fail=0
check() { if [ "$1" = "$2" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $3: got '$1' want '$2'" >&2; fi; }
check "$($M srtp derive --key FCFE65CD967C58D260B603CCB9A887A9 --key-id 09BF9D37 --rand 6819E679461120E10AC458CCE67B8024 --cs-id 4 --member sip:p25user02@etherstack.co.jp)" \
  '{"master_key": "de81b70c4ae0ff3f79364df586c2e0ce", "master_salt": "750ea7422b4d5a8ff475c6d5", "mki": "09bf9d370abe69d0"}' "GMK member 2"
check "$($M srtp derive --key 28BA74447F037DCC09AD7F2576DC2DEF --key-id 1C5F7886 --rand 30333032343661303730646133333265 --cs-id 6)" \
  '{"master_key": "185d08cb5a226d19d71679adf5e415be", "master_salt": "d1d648b2a0040633a3dd72e5", "mki": "1c5f7886"}' "SPK"
$M srtp derive --key 28BA74447F037DCC09AD7F2576DC2DEF --key-id 1C5F7886 --rand 3033 --cs-id 256 >/dev/null 2>&1; check $? 2 "cs-id range"
$M srtp derive --key 28BA74447F037DCC09AD7F2576DC2D --key-id 1C5F7886 --rand 3033 --cs-id 1 >/dev/null 2>&1; check $? 2 "short key"
$M srtp derive --help >/dev/null; check $? 0 "help"
echo "cli_srtp: $pass passed, $fail failed"
[ $fail = 0 ]
