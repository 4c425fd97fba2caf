#!/usr/bin/env python3
"""Generates the constant data of the SAKKE (RFC 6508, parameter set 1 of
RFC 6509 Appendix A) arithmetic:

  src/math/fp_mont16.h    unrolled 16-limb Montgomery multiplication and
                          squaring modulo p (product scanning)
  src/math/sakke_tables.c field/group constants and the fixed-base comb
                          tables for P (in E(F_p)) and g (in PF_p)

Run from the repository root:  python3 src/math/gen_sakke_tables.py
Only the Python standard library is used; every value is derived from the
four published parameters p, q, P = (Px, Py) and g below (RFC 6509 App. A),
which the script checks first (p, q prime, q | p + 1, P on the curve,
[q]P = O, <P,P> = g is checked by the C tests)."""
import os
import random

def h(s):
    return int("".join(s.split()), 16)

p = h("""997ABB1F 0A563FDA 65C61198 DAD0657A 416C0CE1 9CB48261 BE9AE358 B3E01A2E
F40AAB27 E2FC0F1B 228730D5 31A59CB0 E791B39F F7C88A19 356D27F4 A666A6D0
E26C6487 326B4CD4 512AC5CD 65681CE1 B6AFF4A8 31852A82 A7CF3C52 1C3C09AA
9F94D6AF 56971F1F FCE3E823 89857DB0 80C5DF10 AC7ACE87 666D807A FEA85FEB""")
q = h("""265EAEC7 C2958FF6 99718466 36B4195E 905B0338 672D2098 6FA6B8D6 2CF8068B
BD02AAC9 F8BF03C6 C8A1CC35 4C69672C 39E46CE7 FDF22286 4D5B49FD 2999A9B4
389B1921 CC9AD335 144AB173 595A0738 6DABFD2A 0C614AA0 A9F3CF14 870F026A
A7E535AB D5A5C7C7 FF38FA08 E2615F6C 203177C4 2B1EB3A1 D99B601E BFAA17FB""")
Px = h("""53FC09EE 332C29AD 0A799005 3ED9B52A 2B1A2FD6 0AEC69C6 98B2F204 B6FF7CBF
B5EDB6C0 F6CE2308 AB10DB90 30B09E10 43D5F22C DB9DFA55 718BD9E7 406CE890
9760AF76 5DD5BCCB 337C8654 8B72F2E1 A702C339 7A60DE74 A7C1514D BA66910D
D5CFB4CC 80728D87 EE9163A5 B63F73EC 80EC46C4 967E0979 880DC8AB EAE63895""")
Py = h("""0A824906 3F6009F1 F9F1F053 3634A135 D3E82016 02990696 3D778D82 1E141178
F5EA69F4 654EC2B9 E7F7F5E5 F0DE55F6 6B598CCF 9A140B2E 416CFF0C A9E032B9
70DAE117 AD547C6C CAD696B5 B7652FE0 AC6F1E80 164AA989 492D979F C5A4D5F2
13515AD7 E9CB99A9 80BDAD5A D5BB4636 ADB9B570 6A67DCDE 75573FD7 1BEF16D7""")
g = h("""66FC2A43 2B6EA392 148F1586 7D623068 C6A87BD1 FB94C41E 27FABE65 8E015A87
371E9474 4C96FEDA 449AE956 3F8BC446 CBFDA85D 5D00EF57 7072DA8F 541721BE
EE0FAED1 828EAB90 B99DFB01 38C78433 55DF0460 B4A9FD74 B4F1A32B CAFA1FFA
D682C033 A7942BCC E3720F20 B9B7B040 3C8CAE87 B7A0042A CDE0FAB3 6461EA46""")

N = 16
R = 1 << (64 * N)

# Comb geometry (must match EC_COMB_* in ec1024.h and PFP_COMB_* in fp2.h).
EC_H, EC_V, EC_D = 8, 4, 32
PF_H, PF_V, PF_D = 6, 4, 43


def is_probable_prime(n, rounds=40):
    if n < 2:
        return False
    for sp in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        if n % sp == 0:
            return n == sp
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    rng = random.Random(n)
    for _ in range(rounds):
        a = rng.randrange(2, n - 1)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def inv(a):
    return pow(a, -1, p)


def ec_add(A, B):
    if A is None:
        return B
    if B is None:
        return A
    x1, y1 = A
    x2, y2 = B
    if x1 == x2:
        if (y1 + y2) % p == 0:
            return None
        l = 3 * (x1 * x1 - 1) * inv(2 * y1) % p
    else:
        l = (y2 - y1) * inv(x2 - x1) % p
    x3 = (l * l - x1 - x2) % p
    return (x3, (l * (x1 - x3) - y1) % p)


def ec_mul(k, A):
    acc = None
    for bit in bin(k)[2:]:
        acc = ec_add(acc, acc)
        if bit == "1":
            acc = ec_add(acc, A)
    return acc


def naf(k):
    d = []
    while k:
        if k & 1:
            z = 2 - (k % 4)
            k -= z
        else:
            z = 0
        d.append(z)
        k //= 2
    return d[::-1]


def limbs(x, n=N):
    return [(x >> (64 * i)) & ((1 << 64) - 1) for i in range(n)]


def mont(x):
    return x * R % p


def c_limbs(x, n=N):
    return "{ " + ", ".join("0x%016xULL" % l for l in limbs(x, n)) + " }"


def c_fp(x):
    return "{ " + c_limbs(x) + " }"


def s62(x):
    return [(x >> (62 * i)) & ((1 << 62) - 1) for i in range(17)]


def check_params():
    assert p % 4 == 3 and is_probable_prime(p) and is_probable_prime(q)
    assert (p + 1) % q == 0 and (p + 1) // q == 4
    assert p.bit_length() == 1024 and q.bit_length() == 1022
    assert (Py * Py - (Px ** 3 - 3 * Px)) % p == 0
    assert ec_mul(q, (Px, Py)) is None
    assert 0 < g < p


# ---------------------------------------------------------------------------
# Unrolled Montgomery multiplication / squaring (FIPS product scanning:
# column k of a*b + m*p is summed in a three-word accumulator; the Montgomery
# digit m[k] is fixed as soon as column k < 16 is complete).

def gen_mul():
    # Two accumulators per column, (t2:t1:t0) and (s2:s1:s0), taking the
    # products alternately: two independent carry chains instead of one
    # halve the latency of a column; FP_MERGE() folds s into t.
    o = []
    o.append("static void fp_mont_mul16(uint64_t *r, const uint64_t *a, const uint64_t *b)")
    o.append("{")
    o.append("    FP_P_POINTER(pp);")
    o.append("    uint64_t m[16], res[17];")
    o.append("    uint64_t t0 = 0, t1 = 0, t2 = 0, s0 = 0, s1 = 0, s2 = 0;")

    def col(terms):
        for n, (x, y) in enumerate(terms):
            o.append("    %s(%s, %s);" % ("FP_MAC" if n % 2 == 0 else "FP_MACS", x, y))
        if len(terms) > 1:
            o.append("    FP_MERGE();")

    for i in range(N):
        terms = []
        for j in range(i):
            terms.append(("a[%d]" % j, "b[%d]" % (i - j)))
            terms.append(("m[%d]" % j, "pp[%d]" % (i - j)))
        terms.append(("a[%d]" % i, "b[0]"))
        col(terms)
        o.append("    m[%d] = t0 * FP_PINV;" % i)
        o.append("    FP_MAC(m[%d], pp[0]);" % i)
        o.append("    FP_SHIFT();")
    for i in range(N, 2 * N - 1):
        terms = []
        for j in range(i - N + 1, N):
            terms.append(("a[%d]" % j, "b[%d]" % (i - j)))
            terms.append(("m[%d]" % j, "pp[%d]" % (i - j)))
        col(terms)
        o.append("    res[%d] = t0;" % (i - N))
        o.append("    FP_SHIFT();")
    o.append("    res[15] = t0;")
    o.append("    res[16] = t1;")
    o.append("    fp_final_sub(r, res);")
    o.append("    mcsec_ct_wipe_limbs(m, 16);")
    o.append("}")
    return o


def gen_muladd():
    # r = (a b + c d) R^-1: both products share the columns and one
    # Montgomery reduction ("lazy reduction"); the result is < 2.2 p.
    o = []
    o.append("static void fp_mont_muladd16(uint64_t *r, const uint64_t *a, const uint64_t *b,")
    o.append("                             const uint64_t *c, const uint64_t *d)")
    o.append("{")
    o.append("    FP_P_POINTER(pp);")
    o.append("    uint64_t m[16], res[17];")
    o.append("    uint64_t t0 = 0, t1 = 0, t2 = 0, s0 = 0, s1 = 0, s2 = 0;")

    def col(terms):
        for n, (x, y) in enumerate(terms):
            o.append("    %s(%s, %s);" % ("FP_MAC" if n % 2 == 0 else "FP_MACS", x, y))
        if len(terms) > 1:
            o.append("    FP_MERGE();")

    for i in range(N):
        terms = []
        for j in range(i + 1):
            terms.append(("a[%d]" % j, "b[%d]" % (i - j)))
            terms.append(("c[%d]" % j, "d[%d]" % (i - j)))
            if j < i:
                terms.append(("m[%d]" % j, "pp[%d]" % (i - j)))
        col(terms)
        o.append("    m[%d] = t0 * FP_PINV;" % i)
        o.append("    FP_MAC(m[%d], pp[0]);" % i)
        o.append("    FP_SHIFT();")
    for i in range(N, 2 * N - 1):
        terms = []
        for j in range(i - N + 1, N):
            terms.append(("a[%d]" % j, "b[%d]" % (i - j)))
            terms.append(("c[%d]" % j, "d[%d]" % (i - j)))
            terms.append(("m[%d]" % j, "pp[%d]" % (i - j)))
        col(terms)
        o.append("    res[%d] = t0;" % (i - N))
        o.append("    FP_SHIFT();")
    o.append("    res[15] = t0;")
    o.append("    res[16] = t1;")
    o.append("    fp_final_sub2(r, res);")
    o.append("    mcsec_ct_wipe_limbs(m, 16);")
    o.append("}")
    return o


def gen_sqr():
    o = []
    o.append("static void fp_mont_sqr16(uint64_t *r, const uint64_t *a)")
    o.append("{")
    o.append("    FP_P_POINTER(pp);")
    o.append("    uint64_t m[16], res[17];")
    o.append("    uint64_t t0 = 0, t1 = 0, t2 = 0, s0 = 0, s1 = 0, s2 = 0;")
    o.append("    uint64_t u0, u1, u2;")

    def column(k, mterms):
        # cross products in u (doubled), the m*p products alternately in t and s
        lo = max(0, k - N + 1)
        pairs = [(j, k - j) for j in range(lo, N) if j < k - j and k - j < N]
        n = 0
        if pairs:
            o.append("    u0 = 0; u1 = 0; u2 = 0;")
            for (j, l) in pairs:
                o.append("    FP_MACU(a[%d], a[%d]);" % (j, l))
                if n < len(mterms):
                    o.append("    FP_MACS(%s, %s);" % mterms[n])
                    n += 1
            o.append("    FP_DBLU();")
            if k % 2 == 0:
                o.append("    FP_MACU(a[%d], a[%d]);" % (k // 2, k // 2))
            o.append("    FP_ADDU();")
        elif k % 2 == 0:
            o.append("    FP_MAC(a[%d], a[%d]);" % (k // 2, k // 2))
        for t, (x, y) in enumerate(mterms[n:]):
            o.append("    %s(%s, %s);" % ("FP_MAC" if t % 2 == 0 else "FP_MACS", x, y))
        if mterms:
            o.append("    FP_MERGE();")

    for i in range(N):
        column(i, [("m[%d]" % j, "pp[%d]" % (i - j)) for j in range(i)])
        o.append("    m[%d] = t0 * FP_PINV;" % i)
        o.append("    FP_MAC(m[%d], pp[0]);" % i)
        o.append("    FP_SHIFT();")
    for i in range(N, 2 * N - 1):
        column(i, [("m[%d]" % j, "pp[%d]" % (i - j)) for j in range(i - N + 1, N)])
        o.append("    res[%d] = t0;" % (i - N))
        o.append("    FP_SHIFT();")
    o.append("    res[15] = t0;")
    o.append("    res[16] = t1;")
    o.append("    fp_final_sub(r, res);")
    o.append("    mcsec_ct_wipe_limbs(m, 16);")
    o.append("}")
    return o


def write_mont16(path):
    hdr = [
        "/* GENERATED by src/math/gen_sakke_tables.py -- do not edit.",
        " *",
        " * Montgomery multiplication and squaring modulo the 1024-bit SAKKE prime p,",
        " * fully unrolled (FIPS / product scanning): column k of a*b + m*p is summed",
        " * into two three-word accumulators (t2:t1:t0), (s2:s1:s0) taking the",
        " * products alternately (two independent carry chains), and the Montgomery digit",
        " * m[k] = t0 * (-p^-1 mod 2^64) is fixed as soon as column k < 16 is",
        " * complete. The squaring sums each column's cross products once, doubles",
        " * them and adds the diagonal term. Inputs < p give a result < 2p, brought",
        " * below p by fp_final_sub(). Included by fp.c only; branch-free. */",
        "",
    ]
    consts = [
        "/* p, little-endian limbs, and -p^-1 mod 2^64 */",
        "static const uint64_t fp_p_limbs[16] = %s;" % c_limbs(p),
        "#define FP_PINV 0x%016xULL" % ((-pow(p, -1, 1 << 64)) % (1 << 64)),
        "",
    ]
    body = consts + gen_mul() + [""] + gen_muladd() + [""] + gen_sqr()
    with open(path, "w") as f:
        f.write("\n".join(hdr + body) + "\n")


# ---------------------------------------------------------------------------
# Comb tables. For base B and geometry (H, V, D), table j (0 <= j < V) has
# 2^(H-1) entries: entry m is
#     sum_{t < H-1} s_t * 2^(D*(t + H*j)) * B  +  2^(D*(H-1 + H*j)) * B
# with s_t = +1 if bit t of m is set, else -1. See ec1024.c / fp2.c.

# The combs hold their points on the Edwards curve x^2 + y^2 = 1 - x^2 y^2
# (d = -1, not a square mod p: the addition law is complete), birationally
# equivalent to E: with s^2 = -3 and k^2 = 2 s^3 (s chosen so that 2 s^3 is
# a square), E -> Montgomery (1/s^3) v^2 = u^3 + u by u = x/s, v = y, then
# -> twisted Edwards a X^2 + Y^2 = 1 - a X^2 Y^2 (a = 2 s^3) by X = u/v,
# Y = (u-1)/(u+1), scaled by k:  x_E = k x / (s y),  y_E = (x - s)/(x + s).
# Back:  x = s (1 + y_E)/(1 - y_E),  y = k x / (s x_E). Only the 2-torsion
# point and points of order 4 hit a pole; the order-q subgroup does not.
def sqrt_p(a):
    r = pow(a, (p + 1) // 4, p)
    assert r * r % p == a % p
    return r


def legendre(a):
    return pow(a, (p - 1) // 2, p)


ED_S = sqrt_p(p - 3)
if legendre(2 * pow(ED_S, 3, p)) != 1:
    ED_S = p - ED_S
ED_K = sqrt_p(2 * pow(ED_S, 3, p) % p)
assert legendre(p - 1) == p - 1  # d = -1 is not a square


def to_ed(A):
    x, y = A
    return (ED_K * x * inv(ED_S * y % p) % p, (x - ED_S) * inv((x + ED_S) % p) % p)


def from_ed(E):
    xe, ye = E
    x = ED_S * (1 + ye) * inv((1 - ye) % p) % p
    return (x, ED_K * x * inv(ED_S * xe % p) % p)


def ed_add(A, B):
    (x1, y1), (x2, y2) = A, B
    t = x1 * x2 * y1 * y2 % p
    return ((x1 * y2 + y1 * x2) * inv((1 - t) % p) % p, (y1 * y2 - x1 * x2) * inv((1 + t) % p) % p)


def check_edwards():
    P_ = (Px, Py)
    for A in (P_, ec_add(P_, P_), ec_mul(12345, P_)):
        xe, ye = to_ed(A)
        assert (xe * xe + ye * ye - 1 + xe * xe * ye * ye) % p == 0
        assert from_ed((xe, ye)) == A
    A, B = ec_mul(77, P_), ec_mul(1000003, P_)
    assert ed_add(to_ed(A), to_ed(B)) == to_ed(ec_add(A, B))
    assert ed_add(to_ed(A), to_ed(A)) == to_ed(ec_add(A, A))
    assert ed_add(to_ed(A), ((-to_ed(B)[0]) % p, to_ed(B)[1])) == to_ed(ec_add(A, (B[0], (-B[1]) % p)))


def ec_comb(B):
    tables = []
    cur = B  # 2^(D*(t + H*j)) * B, advanced by D doublings per tooth
    for j in range(EC_V):
        base = []
        for t in range(EC_H):
            base.append(cur)
            for _ in range(EC_D):
                cur = ec_add(cur, cur)
        row = []
        for m in range(1 << (EC_H - 1)):
            acc = base[EC_H - 1]
            for t in range(EC_H - 1):
                pt = base[t] if (m >> t) & 1 else (base[t][0], (-base[t][1]) % p)
                acc = ec_add(acc, pt)
            row.append(acc)
        tables.append(row)
    return tables


def f2mul(x, y):
    return ((x[0] * y[0] - x[1] * y[1]) % p, (x[0] * y[1] + x[1] * y[0]) % p)


def f2pow(x, e):
    r = (1, 0)
    for bit in bin(e)[2:]:
        r = f2mul(r, r)
        if bit == "1":
            r = f2mul(r, x)
    return r


def pf_rep(x):
    return x[1] * inv(x[0]) % p


def pf_comb(gx):
    G = (1, gx)
    tables = []
    cur = G
    for j in range(PF_V):
        base = []
        for t in range(PF_H):
            base.append(cur)
            for _ in range(PF_D):
                cur = f2mul(cur, cur)
        row = []
        for m in range(1 << (PF_H - 1)):
            acc = base[PF_H - 1]
            for t in range(PF_H - 1):
                b = base[t] if (m >> t) & 1 else (base[t][0], (-base[t][1]) % p)
                acc = f2mul(acc, b)
            row.append(pf_rep(acc))
        tables.append(row)
    return tables


def write_tables(path):
    o = []
    o.append("/* GENERATED by src/math/gen_sakke_tables.py -- do not edit.")
    o.append(" *")
    o.append(" * Constants of SAKKE parameter set 1 (RFC 6509 Appendix A, used by")
    o.append(" * RFC 6508), derived with Python integers from p, q, P = (Px, Py), g:")
    o.append(" * Montgomery forms use R = 2^1024; fp_* values are in Montgomery form")
    o.append(" * unless noted. The comb tables hold affine multiples of P and PF_p")
    o.append(" * representatives of powers of g; their layout is described in")
    o.append(" * ec1024.h (EC_COMB_*) and fp2.h (PFP_COMB_*). */")
    o.append('#include "math/sakke_tables.h"')
    o.append("")
    o.append("/* p (plain limbs) */")
    o.append("const fp fp_p = %s;" % c_fp(p))
    o.append("/* 1 = R mod p */")
    o.append("const fp fp_one = %s;" % c_fp(R % p))
    o.append("/* R^2 mod p: to_mont(x) = x * R^2 * R^-1 */")
    o.append("const fp fp_r2 = %s;" % c_fp(R * R % p))
    o.append("/* R^3 mod p: turns a plain inverse of a Montgomery value back into")
    o.append(" * Montgomery form, (xR)^-1 * R^3 * R^-1 = x^-1 R */")
    o.append("const fp fp_r3 = %s;" % c_fp(R * R * R % p))
    o.append("/* -p^-1 mod 2^64 */")
    o.append("const uint64_t fp_pinv = 0x%016xULL;" % ((-pow(p, -1, 1 << 64)) % (1 << 64)))
    o.append("")
    o.append("/* p and q in radix 2^62 with m^-1 mod 2^62, for safegcd */")
    for name, m in (("sg_p", p), ("sg_q", q)):
        o.append("const sg_modulus %s = {" % name)
        o.append("    { " + ", ".join("0x%016xLL" % x for x in s62(m)) + " },")
        o.append("    0x%016xULL" % pow(m, -1, 1 << 62))
        o.append("};")
    o.append("")
    o.append("/* q as a Montgomery modulus (mp.h): m0inv = -q^-1 mod 2^64,")
    o.append(" * rr = 2^2048 mod q, one = 2^1024 mod q */")
    o.append("const mp_mod sc1024_q = {")
    o.append("    .n = 16,")
    o.append("    .m = %s," % c_limbs(q))
    o.append("    .m0inv = 0x%016xULL," % ((-pow(q, -1, 1 << 64)) % (1 << 64)))
    o.append("    .rr = %s," % c_limbs(R * R % q))
    o.append("    .one = %s," % c_limbs(R % q))
    o.append("};")
    o.append("")
    o.append("/* P = (Px, Py), Montgomery form */")
    o.append("const ec_aff sakke_P = { %s, %s };" % (c_fp(mont(Px)), c_fp(mont(Py))))
    o.append("/* g = <P,P> (PF_p representative), Montgomery form */")
    o.append("const fp sakke_g = %s;" % c_fp(mont(g)))
    o.append("")
    d = naf(q)
    assert len(d) == SAKKE_NAF_LEN and d[0] == 1
    assert sum(1 for x in d if x) - 2 == SAKKE_NAF_ADDS and d[-1] != 0
    o.append("/* Non-adjacent form of q, most significant digit first (%d digits, %d"
             % (len(d), sum(1 for x in d if x)))
    o.append(" * non-zero): the Miller loop's addition chain, see pairing.c. */")
    o.append("const int8_t sakke_q_naf[SAKKE_NAF_LEN] = {")
    for i in range(0, len(d), 32):
        o.append("    " + ", ".join("%d" % x for x in d[i:i + 32]) + ",")
    o.append("};")
    o.append("")
    o.append("/* The Edwards model of the combs (ec1024.h): s^2 = -3, k^2 = 2 s^3 */")
    o.append("const fp ec_ed_s = %s;" % c_fp(mont(ED_S)))
    o.append("const fp ec_ed_k = %s;" % c_fp(mont(ED_K)))
    o.append("")
    o.append("/* Fixed-base comb for P: EC_COMB_V tables of EC_COMB_ENTRIES affine")
    o.append(" * points on the Edwards curve (Montgomery form). */")
    o.append("const ec_comb sakke_comb_P = { {")
    for row in ec_comb((Px, Py)):
        o.append("    {")
        for (x, y) in map(to_ed, row):
            o.append("        { %s," % c_fp(mont(x)))
            o.append("          %s }," % c_fp(mont(y)))
        o.append("    },")
    o.append("} };")
    o.append("")
    o.append("/* Fixed-base comb for g in PF_p: PFP_COMB_V tables of PFP_COMB_ENTRIES")
    o.append(" * representatives x of [1 + x i] (Montgomery form). */")
    o.append("const pfp_comb sakke_comb_g = { {")
    for row in pf_comb(g):
        o.append("    {")
        for x in row:
            o.append("        %s," % c_fp(mont(x)))
        o.append("    },")
    o.append("} };")
    with open(path, "w") as f:
        f.write("\n".join(o) + "\n")


SAKKE_NAF_LEN = 1022   # must match sakke_tables.h
SAKKE_NAF_ADDS = 351

if __name__ == "__main__":
    check_params()
    check_edwards()
    here = os.path.dirname(os.path.abspath(__file__))
    write_mont16(os.path.join(here, "fp_mont16.h"))
    write_tables(os.path.join(here, "sakke_tables.c"))
