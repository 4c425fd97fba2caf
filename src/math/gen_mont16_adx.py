#!/usr/bin/env python3
"""Generates src/math/fp_mont16_adx.h: 16-limb Montgomery multiplication,
squaring and sum of two products modulo the SAKKE prime with mulx / adcx /
adox (BMI2 + ADX), as GCC/clang inline assembly.

  python3 src/math/gen_mont16_adx.py      (rewrites fp_mont16_adx.h next to it)

Scheme (separated operand scanning in 8x8 blocks). A block adds X * Y, X and
Y eight limbs each, into the accumulator T at word offset k, one row per
limb y of Y: rdx = y, then eight mulx with the low halves on the CF chain
(adcx) and the high halves on the OF chain (adox), into a window of eight
registers holding T[k+i .. k+i+7]. The window's low word is final after the
row's first addition: it is stored (or dropped, in the reduction, where it is
zero) and its register becomes the row's new top word. Words of T that
already hold a value ("incoming") are added to the top word after the row,
with their carry kept in a register (c) and added one word further up after
the next row: straight-line code, at most one extra add/adc per row.

  product a*b    -> T[0..31]: a_lo*b_lo @0, a_hi*b_lo @8, a_lo*b_hi @8,
                              a_hi*b_hi @16 (a sum of two products adds
                              c*d the same way)
  squaring a^2   -> T[0..31]: the cross products a_i a_j (i < j) once
                              (a_lo*a_lo upper triangle @0, a_lo*a_hi @8,
                              a_hi*a_hi upper triangle @16), doubled, plus
                              the squares a_i^2, in one adc/adox pass
  reduction      -> m_i = T[i] * (-p^-1) for i < 8 in the rows of p_lo*m @0,
                    then p_hi*m @8; the same for i = 8..15 @8 / @16. The
                    result T[16..32] (< 2p, or < 3p for the sum of two
                    products) is finished by fp_final_sub / fp_final_sub2.

All addresses are fixed (the operands' and T's): no secret-dependent branch
or memory access. The x86-64 registers used are all but rsp, rbp and the two
pointers; the pointers to the operands travel through T. Checked against the
mulq code by tests/test_math.c (the MCSEC_X86_ADX=OFF build runs the same
tests on the mulq code, the *_portable tests on the C fallback).
"""
import os

P = 0x997ABB1F0A563FDA65C61198DAD0657A416C0CE19CB48261BE9AE358B3E01A2EF40AAB27E2FC0F1B228730D531A59CB0E791B39FF7C88A19356D27F4A666A6D0E26C6487326B4CD4512AC5CD65681CE1B6AFF4A831852A82A7CF3C521C3C09AA9F94D6AF56971F1FFCE3E82389857DB080C5DF10AC7ACE87666D807AFEA85FEB

# T layout (words)
T_PROD = 0      # T[0..32]: double-width product, T[32] its carry word
T_X24 = 33      # a carry held over to word 24 (reduction, sum of products)
T_M = 40        # m[0..15], the Montgomery digits
T_PTR = 56      # operand pointers a, b, c, d
T_PINV = 60     # -p^-1 mod 2^64
T_WORDS = 64

# registers: rdx is mulx's implicit source; the rest are free for the window
POOL = ["rax", "rbx", "rcx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"]
LO, HI, C = "r14", "r15", "r13"
WINDOW0 = ["rax", "rbx", "rcx", "r8", "r9", "r10", "r11", "r12"]


def R(r):
    return "%%" + r


def t(k):
    return "%d(%%[t])" % (8 * k)


class Gen:
    def __init__(self):
        self.out = []
        self.w = list(WINDOW0)   # window registers, lowest word first
        self.c_live = False      # c holds a pending carry (else it is 0 / dead)

    def emit(self, s):
        self.out.append(s)

    # one row: window + X[s..7] * rdx, X[j] * rdx landing at window word j
    # (a squaring's triangle rows start at s > 0); X addressed by xaddr(j)
    def row(self, xaddr, store_low, addends, s=0):
        w = self.w
        top = w[0]
        if s > 0 and store_low is not None:
            self.emit("movq %s, %s" % (R(w[0]), store_low))
        if s == 8:
            self.emit("xorl %%%%%s, %%%%%s" % (dword(top), dword(top)))
        else:
            self.emit("xorl %%%%%s, %%%%%s" % (dword(LO), dword(LO)))  # clears CF and OF
        for j in range(s, 8):
            self.emit("mulx %s, %s, %s" % (xaddr(j), R(LO), R(HI)))
            self.emit("adcx %s, %s" % (R(LO), R(w[j])))
            if j == 0 and store_low is not None:
                self.emit("movq %s, %s" % (R(w[0]), store_low))
            if j < 7:
                self.emit("adox %s, %s" % (R(HI), R(w[j + 1])))
            else:
                self.emit("movl $0, %%%%%s" % dword(top))
                self.emit("adox %s, %s" % (R(HI), R(top)))
                self.emit("adcq $0, %s" % R(top))
        self.w = w[1:] + [w[0]]
        self.add_top(addends)

    # top word += pending carry + memory addends; carry out kept in c
    def add_top(self, addends):
        top = self.w[7]
        if self.c_live:
            self.emit("addq %s, %s" % (R(C), R(top)))
            self.emit("movl $0, %%%%%s" % dword(C))
            self.emit("adcq $0, %s" % R(C))
        elif addends:
            self.emit("xorl %%%%%s, %%%%%s" % (dword(C), dword(C)))
            self.c_live = True
        for a in addends:
            self.emit("addq %s, %s" % (a, R(top)))
            self.emit("adcq $0, %s" % R(C))

    def load_window(self, k):
        for i in range(8):
            self.emit("movq %s, %s" % (t(k + i), R(self.w[i])))

    def zero_window(self):
        for i in range(8):
            self.emit("xorl %%%%%s, %%%%%s" % (dword(self.w[i]), dword(self.w[i])))

    def store_window(self, k):
        for i in range(8):
            self.emit("movq %s, %s" % (R(self.w[i]), t(k + i)))

    def load_ptr(self, idx):
        self.emit("movq %s, %%[x]" % t(T_PTR + idx))

    # X * Y into T at k. xaddr(j): address of X[j]; yaddr(i): address of Y[i].
    # incoming(i): memory addends for the top word of row i.
    def block(self, k, xaddr, yaddr, incoming, store_low=True, triangle=False):
        for i in range(8):
            s = i + 1 if triangle else 0
            if s < 8:
                self.emit("movq %s, %%%%rdx" % yaddr(i))
            self.row(xaddr, t(k + i) if store_low else None, incoming(i), s)

    # rows of the reduction: m_i = T[k+i] * pinv, T += m_i * p_lo << 64(k+i)
    def redc_lo(self, k, mbase, incoming):
        for i in range(8):
            self.emit("movq %s, %%%%rdx" % R(self.w[0]))
            self.emit("imulq %s, %%%%rdx" % t(T_PINV))
            self.emit("movq %%%%rdx, %s" % t(mbase + i))
            self.row(lambda j: "%d+%%[p]" % (8 * j), None, incoming(i))

    def carry_out(self, dest):
        """Stores the pending carry (or 0) to dest and ends the chain."""
        if self.c_live:
            self.emit("movq %s, %s" % (R(C), dest))
        else:
            self.emit("movq $0, %s" % dest)
        self.c_live = False


def dword(r):
    return {"rax": "eax", "rbx": "ebx", "rcx": "ecx", "rdx": "edx"}.get(r, r + "d")


def product(g, pa, pb, accumulate):
    """T[0..31] (+)= A * B; A, B pointers T[T_PTR+pa], T[T_PTR+pb]."""
    xa = lambda j: "%d(%%[x])" % (8 * j)
    xa_hi = lambda j: "%d(%%[x])" % (8 * (j + 8))
    g.c_live = False

    def yb(off):
        def f(i):
            g.emit("movq %s, %%%%rdx" % t(T_PTR + pb))
            return "%d(%%%%rdx)" % (8 * (off + i))
        return f
    g.load_ptr(pa)
    none = lambda i: []
    if not accumulate:
        # a_lo*b_lo @0 (fresh), a_hi*b_lo @8 (window continues, nothing incoming)
        g.zero_window()
        g.block(0, xa, yb(0), none)
        g.block(8, xa_hi, yb(0), none)
        g.store_window(16)
        # a_lo*b_hi @8: incoming T[16..23]; a_hi*b_hi @16: the carry only
        g.load_window(8)
        g.block(8, xa, yb(8), lambda i: [t(16 + i)])
        g.block(16, xa_hi, yb(8), none)
        g.store_window(24)  # the carry out is 0: a b < p^2 < 2^2048
        g.c_live = False
    else:
        # c_lo*d_lo @0: incoming T[8..15]; c_hi*d_lo @8: incoming T[16..23]
        g.load_window(0)
        g.block(0, xa, yb(0), lambda i: [t(8 + i)])
        g.block(8, xa_hi, yb(0), lambda i: [t(16 + i)])
        g.store_window(16)
        g.carry_out(t(T_X24))
        # c_lo*d_hi @8: incoming T[16..23]; c_hi*d_hi @16: T[24..31] (+ X24)
        g.load_window(8)
        g.block(8, xa, yb(8), lambda i: [t(16 + i)])
        g.block(16, xa_hi, yb(8), lambda i: [t(24 + i)] + ([t(T_X24)] if i == 0 else []))
        g.store_window(24)  # the carry out is 0: a b + c d < 2 p^2 < 2^2048
        g.c_live = False


def square(g, pa):
    """T[0..31] = A^2: the cross products a_i a_j (i < j) once, then
    doubled and the squares a_i^2 added in one pass (CF: doubling, OF:
    squares)."""
    xa = lambda j: "%d(%%[x])" % (8 * j)
    xa_hi = lambda j: "%d(%%[x])" % (8 * (j + 8))
    none = lambda i: []
    g.c_live = False
    g.load_ptr(pa)
    g.zero_window()
    g.block(0, xa, xa, none, triangle=True)      # a_lo triangle: words 1..14
    g.block(8, xa_hi, xa, none)                  # a_hi a_lo: words 8..23
    g.block(16, xa_hi, xa_hi, none, triangle=True)  # a_hi triangle: 17..30
    g.store_window(24)
    # T = 2 T + sum a_i^2 2^(128 i); T[0] = 0 (no cross product lands there)
    lo, hi = g.w[0], g.w[1]
    for i in range(16):
        g.emit("movq %d(%%[x]), %%%%rdx" % (8 * i))
        g.emit("mulx %%%%rdx, %s, %s" % (R(LO), R(HI)))
        if i == 0:
            g.emit("xorl %%%%%s, %%%%%s" % (dword(lo), dword(lo)))  # clears CF and OF
        else:
            g.emit("movq %s, %s" % (t(2 * i), R(lo)))
        g.emit("movq %s, %s" % (t(2 * i + 1), R(hi)))
        g.emit("adcx %s, %s" % (R(lo), R(lo)))
        g.emit("adcx %s, %s" % (R(hi), R(hi)))
        g.emit("adox %s, %s" % (R(LO), R(lo)))
        g.emit("adox %s, %s" % (R(HI), R(hi)))
        g.emit("movq %s, %s" % (R(lo), t(2 * i)))
        g.emit("movq %s, %s" % (R(hi), t(2 * i + 1)))
    # the final carries are 0: a^2 < 2^2048


def redc(g, final_sub2):
    """T[16..32] = T[0..32] / 2^1024 mod p (+ a multiple of p)."""
    g.c_live = False
    pr = lambda j: "%d+%%[p]" % (8 * j)
    pr_hi = lambda j: "%d+%%[p]" % (8 * (j + 8))
    m = lambda base: (lambda i: t(T_M + base + i))
    # m_0..7: p_lo @0 (incoming T[8..15]), p_hi @8 (incoming T[16..23])
    g.load_window(0)
    g.redc_lo(0, T_M, lambda i: [t(8 + i)])
    g.block(8, pr_hi, m(0), lambda i: [t(16 + i)])
    g.store_window(16)
    g.carry_out(t(T_X24))
    # m_8..15: p_lo @8 (incoming T[16..23]), p_hi @16 (T[24..31] + X24, T[32])
    g.load_window(8)
    g.redc_lo(8, T_M + 8, lambda i: [t(16 + i)])
    g.block(16, pr_hi, m(8), lambda i: [t(24 + i)] + ([t(T_X24)] if i == 0 else []))
    g.store_window(24)
    g.carry_out(t(32))


def asm_block(lines):
    return "\n".join('        "%s\\n\\t"' % l for l in lines)


def function(name, args, setup, body_lines, tail):
    clob = ", ".join('"%s"' % r for r in ["rax", "rbx", "rcx", "rdx", "r8", "r9", "r10", "r11",
                                          "r12", "r13", "r14", "r15", "cc", "memory"])
    return """static void %s(%s)
{
    uint64_t T[%d];
    const uint64_t *x_;
%s
    T[%d] = FP_PINV;
    __asm__ volatile(
%s
        : [x] "=&r"(x_)
        : [t] "r"(T), [p] "m"(*(const uint64_t(*)[16])fp_p_limbs)
        : %s);
%s
    /* wipe the product, carries and digits (vector stores; the barrier keeps
     * the dead stores) */
    memset(T, 0, %d * sizeof T[0]);
    __asm__ volatile("" : : "r"(T) : "memory");
}
""" % (name, args, T_WORDS, setup, T_PINV, asm_block(body_lines), clob, tail, T_PTR)


def main():
    hdr = [
        "/* GENERATED by src/math/gen_mont16_adx.py -- do not edit.",
        " *",
        " * 16-limb Montgomery multiplication, squaring and sum of two products",
        " * modulo the SAKKE prime with mulx/adcx/adox (BMI2 + ADX): 8x8 blocks of",
        " * rows with two carry chains, the reduction as a second pass over the",
        " * double-width product (see the generator for the scheme). Straight-line",
        " * code: no branch, every address fixed. Included by fp.c when built with",
        " * MCSEC_X86_ADX (x86-64, -mbmi2 -madx not needed: the mnemonics are in",
        " * the assembly). Results < 2p (< 3p for the sum) go through",
        " * fp_final_sub / fp_final_sub2 like the mulq code's. */",
        "",
    ]
    out = list(hdr)

    g = Gen()
    product(g, 0, 1, False)
    redc(g, False)
    out.append(function("fp_mont_mul16_adx", "uint64_t *r, const uint64_t *a, const uint64_t *b",
                        "    T[%d] = (uint64_t)(uintptr_t)a;\n    T[%d] = (uint64_t)(uintptr_t)b;" % (T_PTR, T_PTR + 1),
                        g.out, "    fp_final_sub(r, T + 16);"))

    g = Gen()
    product(g, 0, 1, False)
    product(g, 2, 3, True)
    redc(g, True)
    out.append(function("fp_mont_muladd16_adx",
                        "uint64_t *r, const uint64_t *a, const uint64_t *b, const uint64_t *c, const uint64_t *d",
                        "    T[%d] = (uint64_t)(uintptr_t)a;\n    T[%d] = (uint64_t)(uintptr_t)b;\n"
                        "    T[%d] = (uint64_t)(uintptr_t)c;\n    T[%d] = (uint64_t)(uintptr_t)d;"
                        % (T_PTR, T_PTR + 1, T_PTR + 2, T_PTR + 3),
                        g.out, "    fp_final_sub2(r, T + 16);"))

    g = Gen()
    square(g, 0)
    redc(g, False)
    out.append(function("fp_mont_sqr16_adx", "uint64_t *r, const uint64_t *a",
                        "    T[%d] = (uint64_t)(uintptr_t)a;" % T_PTR,
                        g.out, "    fp_final_sub(r, T + 16);"))

    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "fp_mont16_adx.h"), "w") as f:
        f.write("\n".join(out))


if __name__ == "__main__":
    main()
