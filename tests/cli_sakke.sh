#!/usr/bin/env bash
# mcsec sakke as the acceptance check drives it: the RFC 6508 Appendix A
# vector end to end, random round trips, and rejections with exit 1.
set -u
M=${1:?}
pass=0 fail=0
check() { if [ "$1" = "$2" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $3: got '${1:0:80}' want '${2:0:80}'" >&2; fi; }
j() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
Z=AFF429D35F84B110D094803B3595A6E2998BC99F
ID=323031312D30320074656C3A2B34343737303039303031323300
ZT=045958EF1B1679BF099B3A030DF255AA6A23C1D8F143D4D23F753E69BD27A832F38CB4AD53DDEF4260B0FE8BB45C4C1FF510EFFE300367A37B61F701D914AEF09724825FA0707D61A6DFF4FBD7273566CDDE352A0B04B7C16A78309BE640697DE747613A5FC195E8B9F328852A579DB8F99B1D0034479EA9C5595F47C4B2F54FF21508D37514DCF7A8E143A6058C09A6BF2C9858CA37C258065AE6BF7532BC8B5B63383866E0753C5AC0E72709F8445F2E6178E065857E0EDA10F68206B63505ED87E534FB2831FF957FB7DC619DAE61301EEACC2FDA3680EA4999258A833CEA8FC67C6D19487FB449059F26CC8AAB655AB58B7CC796E24E9A394095754F5F8BAE
RSK=0493AF67E5007BA6E6A80DA793DA300FA4B52D0A74E25E6E7B2B3D6EE9D18A9B5C5023597BD82D8062D34019563BA1D25C0DC56B7B979D74AA50F29FBF11CC2C93F5DFCA615E609279F6175CEADB00B58C6BEE1E7A2A47C4F0C456F05259A6FA94A634A40DAE1DF593D4FECF688D5FC678BE7EFC6DF3D6835325B83B2C6E69036B155F0A27241094B04BFB0BDFAC6C670A65C325D39A069F03659D44CA27D3BE8DF311172B554160181CBE94A2A783320CED590BC42644702CF371271E496BF20F588B78A1BC01ECBB6559934BDD2FB65D2884318A33D1A42ADF5E33CC5800280B28356497F87135BAB9612A17260424409AC15FEE996B744C332151235DECB0F5
SSV=123456789ABCDEF0123456789ABCDEF0
SED=0444E8AD44AB8592A6A5A3DDCA5CF896C718043606A01D650DEF37A01F37C228C332FC317354E2C274D4DAF8AD001054C76CE57971C6F4486D5723043261C506EBF5BE438F53DE04F067C776E0DD3B71A6290133283725A532F21AF145126DC1D777ECC27BE50835BD28098B8A73D9F801D893793A41FF5C49B87E79F2BE4D56CE557E134AD85BB1D4B9CE4F8BE4B08A12BABF55B1D6F1D7A638019EA28E15AB1C9F76375FDD1210D4F4351B9A009486B7F3ED46C965DED2D80DADE4F38C6721D52C3AD103A10EBD2959248B4EF006836BF097448E6107C9EDEE9FB704823DF199F832C905AE45F8A247A072D8EF729EABC5E27574B07739B34BE74A532F747B8689E0BC661AA1E91638E6ACC84E496507
lc() { tr 'A-F' 'a-f'; }
check "$($M sakke issue --z $Z --id $ID | j rsk)" "$(echo $RSK | lc)" "RFC RSK"
$M sakke validate --zt $ZT --id $ID --rsk $RSK >/dev/null; check $? 0 "RFC RSK validates"
check "$($M sakke encap --zt $ZT --id $ID --ssv $SSV | j sed)" "$(echo $SED | lc)" "RFC encapsulation"
check "$($M sakke decap --zt $ZT --id $ID --rsk $RSK --sed $SED)" "$(echo $SSV | lc)" "RFC decapsulation"
# tampered H, R, wrong identity, RSK of another id
BADH=${SED%?}0; [ "$BADH" = "$SED" ] && BADH=${SED%?}1
$M sakke decap --zt $ZT --id $ID --rsk $RSK --sed $BADH >/dev/null 2>&1; check $? 1 "tampered H"
BADR=${SED:0:100}$(printf '%X' $(( (0x${SED:100:1} + 1) % 16 )))${SED:101}
$M sakke decap --zt $ZT --id $ID --rsk $RSK --sed $BADR >/dev/null 2>&1; check $? 1 "tampered R"
$M sakke decap --zt $ZT --id ${ID}00 --rsk $RSK --sed $SED >/dev/null 2>&1; check $? 1 "wrong identity"
$M sakke validate --zt $ZT --id ${ID/3032/3033} --rsk $RSK >/dev/null 2>&1; check $? 1 "RSK for another id"
$M sakke decap --zt $ZT --id $ID --rsk $RSK --sed ${SED}00 >/dev/null 2>&1; check $? 2 "overlong SED"
# random round trip: keygen -> issue -> validate -> encap -> decap
K=$($M sakke keygen); z=$(echo "$K" | j z); zt=$(echo "$K" | j zt)
check "${#z} ${#zt}" "256 514" "keygen sizes"
uid=$($M uid --uri sip:bob@example.org --kms-uri kms.example.org --period-len 2592000 --period-offset 0 --period-no 1388)
rsk=$($M sakke issue --z $z --id $uid | j rsk)
$M sakke validate --zt $zt --id $uid --rsk $rsk >/dev/null; check $? 0 "fresh RSK validates"
E=$($M sakke encap --zt $zt --id $uid); ssv=$(echo "$E" | j ssv); sed=$(echo "$E" | j sed)
check "${#ssv} ${#sed}" "32 546" "encap sizes"
check "$($M sakke decap --zt $zt --id $uid --rsk $rsk --sed $sed)" "$ssv" "fresh decap"
$M sakke decap --zt $ZT --id $uid --rsk $rsk --sed $sed >/dev/null 2>&1; check $? 1 "other KMS"
for v in keygen issue validate encap decap; do $M sakke $v --help >/dev/null; check $? 0 "help $v"; done
echo "cli_sakke: $pass passed, $fail failed"
[ $fail = 0 ]
