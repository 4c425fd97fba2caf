#!/usr/bin/env python3
"""Constant-time check of the AVX-512 code of an IFMA build, on its object
code. valgrind (ct_sakke) cannot execute AVX-512, so the functions that
exist only in that build are checked here instead, by a taint analysis of
their objdump listing: fp_mont_{mul,sqr,muladd}16_ifma (the field products)
and fp_ct_lookup (the table scan).

Public at entry: %rsp, %rbp, %rip and the pointer and size arguments;
secret: every value loaded from memory (the operands, the table entries) and
the scan's index argument. A value computed from a secret is secret. The
check fails on
  - a conditional branch on flags computed from a secret,
  - a memory operand whose base or index register holds a secret,
  - a masked memory operand ({%k}: a masked load may skip the memory of
    masked-off lanes, making the cache lines touched data-dependent),
  - a call to anything but another checked function.
Values spilled to the stack or parked in a vector register (vmovq) and
brought back keep their status; constants addressed by %rip are public. A
function with a backward branch (the scan's loop) is analysed to a fixed
point, the loop head seeing the union of the taints of entry and back edge.
A built-in self-test runs first.

usage: ifma_ctcheck.py OBJECT...   (the library's object files; CTest may
pass them as one ';'-separated word)"""
import re
import subprocess
import sys

# function -> (number of integer arguments, indices of the secret ones)
FUNCS = {
    "fp_mont_mul16_ifma": (3, ()),
    "fp_mont_sqr16_ifma": (2, ()),
    "fp_mont_muladd16_ifma": (5, ()),
    "fp_ct_lookup": (5, (4,)),
}
ARG_REGS = ["rdi", "rsi", "rdx", "rcx", "r8", "r9"]
GPR = {}
for r in ["ax", "bx", "cx", "dx", "si", "di", "bp", "sp"]:
    names = ["r" + r, "e" + r, r]
    names.append(r[0] + "l" if r[1] == "x" else r + "l")
    for n in names:
        GPR[n] = "r" + r
for i in range(8, 16):
    for n in ("r%d" % i, "r%dd" % i, "r%dw" % i, "r%db" % i):
        GPR[n] = "r%d" % i
# ops that read their destination too (two-operand read-modify-write)
RMW = {"add", "sub", "adc", "sbb", "and", "or", "xor", "shl", "shr", "sar", "rol", "ror", "imul",
       "neg", "not", "inc", "dec", "shld", "shrd", "bts", "btr", "addq", "subq", "andq", "orq", "xorq",
       "shlq", "shrq", "sarq", "negq", "notq", "incq", "decq"}
NOWRITE = {"cmp", "test", "cmpq", "testq", "bt", "vptest", "kortestw", "kortestb", "ktestb", "kortestq"}
SLOT = re.compile(r"(-?(?:0x[0-9a-f]+|\d+))?\(%(rsp|rbp)\)")


def canon(reg):
    """a register operand's canonical name: rax.., v0.. (vector), k0.."""
    if reg in GPR:
        return GPR[reg]
    m = re.fullmatch(r"[xyz]mm(\d+)", reg)
    if m:
        return "v" + m.group(1)
    if re.fullmatch(r"k[0-7]", reg):
        return reg
    return None


def split_ops(args):
    return [o for o in re.split(r",(?![^(]*\))", args) if o]


def analyse(name, lines):
    nargs, secret_args = FUNCS[name]
    entry = {"rsp", "rbp", "rip"} | {ARG_REGS[i] for i in range(nargs) if i not in secret_args}
    insns = []
    for line in lines:
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        addr = int(parts[0].strip().rstrip(":"), 16)
        ins = parts[-1].strip()
        if re.match(r"(rex\.\w+ |cs |ds |data16 )*nop|^(cs|ds|data16)$|^endbr64|^vzeroupper|^ret|^leave", ins):
            continue
        insns.append((addr, ins))
    targets = [(a, re.match(r"j\w+\s+([0-9a-f]+)", i)) for a, i in insns]
    loops = any(m and int(m.group(1), 16) <= a for a, m in targets)
    start = set(entry)
    while True:
        pub, bad = scan(insns, start)
        # the loop head sees entry and back edge: public only if public on both
        new_start = start & (pub | {"rsp", "rbp", "rip"})
        if not loops or new_start == start:
            return bad
        start = new_start  # shrinks each time: terminates


def scan(insns, start):
    pub = set(start)
    slots = set()   # public stack slots (spills)
    flags = True
    bad = []
    for addr, ins in insns:
        op, _, args = ins.partition(" ")
        args = re.sub(r"\s+", "", args)
        if op.startswith("rep"):
            op2, _, rest = args.partition("%")
            op, args = op + " " + op2, "%" + rest if rest else ""
        ops = split_ops(args)
        masked = "{%k" in args
        # memory operands: addresses and masking
        for mem in re.findall(r"(?:^|[,)])?([^,(]*)\(([^)]*)\)", args):
            regs = [canon(x.strip().lstrip("%")) for x in mem[1].split(",") if x.strip().startswith("%")]
            for rg in regs:
                if rg is not None and rg not in pub:
                    bad.append("secret address register: " + ins)
            if masked:
                bad.append("masked memory operand: " + ins)
        if op.startswith("j"):
            if op != "jmp" and not flags:
                bad.append("branch on secret flags: " + ins)
            continue
        if op.startswith("call"):
            if not re.search(r"<fp_mont_(mul|sqr|muladd)16_ifma>", args):
                bad.append("call: " + ins)
            continue
        if op.startswith("rep stos"):
            continue  # memset of a stack buffer: rdi/rcx advance, stay what they were
        if op in ("push", "pop"):
            if op == "pop" and ops:
                r = canon(ops[0].lstrip("%"))
                pub.discard(r)
            continue
        # sources and destination
        dst = ops[-1] if ops else ""
        dst_clean = re.sub(r"\{[^}]*\}", "", dst)
        srcs = ops[:-1] if len(ops) > 1 else []
        if op in NOWRITE or (op.rstrip("q") in NOWRITE):
            srcs, dst_clean = ops, ""
        base_op = op.rstrip("qlwb") if op not in RMW else op
        if op in RMW or base_op in RMW or (masked and "{z}" not in dst):
            srcs = srcs + [dst_clean]
        if len(ops) == 1 and op not in ("push", "pop"):
            srcs = srcs + [dst_clean]
        # the zeroing idioms
        zero = len(ops) >= 2 and re.sub(r"\{[^}]*\}", "", ops[0]) == re.sub(r"\{[^}]*\}", "", ops[-1]) and \
            op in ("xor", "vpxor", "vpxord", "vpxorq", "vxorps", "pxor", "sub") and all(o == ops[0] for o in ops)
        is_pub = True
        if op in ("lea", "leaq"):  # an address computation, no load
            srcs = ["%" + x.strip().lstrip("%") for x in re.findall(r"\(([^)]*)\)", ops[0])[0].split(",")
                    if x.strip().startswith("%")]
        for sop in srcs + re.findall(r"\{(%k[0-7])\}", args):
            sop = re.sub(r"\{[^}]*\}", "", sop)
            if sop.startswith("$") or sop == "":
                continue
            if sop.startswith("%"):
                r = canon(sop[1:])
                if r is not None and r not in pub:
                    is_pub = False
                continue
            sm = SLOT.fullmatch(sop)
            if sm:
                if (sm.group(2), sm.group(1) or "0") not in slots:
                    is_pub = False
                continue
            if "(%rip)" in sop:
                continue  # constant tables
            is_pub = False  # any other memory: operand or table data
        if zero:
            is_pub = True
        if op not in NOWRITE and not op.startswith("v") and not op.startswith("k") and not op.startswith("mov") \
                and op not in ("lea", "leaq"):
            flags = is_pub
        if op in NOWRITE:
            flags = is_pub
            continue
        dm = SLOT.fullmatch(dst_clean)
        if dm:
            key = (dm.group(2), dm.group(1) or "0")
            (slots.add if is_pub else slots.discard)(key)
            continue
        if dst_clean.startswith("%"):
            r = canon(dst_clean[1:])
            if r is not None:
                (pub.add if is_pub else pub.discard)(r)
    return pub, bad


def selftest():
    """The checker itself: each listing must be judged as stated."""
    def lst(*ins):
        return ["  %x:\t%s" % (i, x) for i, x in enumerate(ins)]
    cases = [
        ("fp_mont_mul16_ifma", lst("vmovdqu64 (%rsi),%zmm0", "vmovdqu64 %zmm0,0x40(%rdi)"), True),
        ("fp_mont_mul16_ifma", lst("mov %rdi,%r14", "vmovq %rdi,%xmm20", "mov %r14,0x8(%rsp)", "xor %r14d,%r14d",
                                   "mov 0x8(%rsp),%rax", "vmovdqu64 %zmm0,(%rax)", "vmovq %xmm20,%rcx",
                                   "mov %rax,(%rcx)"), True),
        ("fp_mont_mul16_ifma", lst("mov (%rsi),%rax", "mov (%rax),%rbx"), False),
        ("fp_mont_mul16_ifma", lst("mov (%rsi),%rax", "vmovdqu64 (%rsi,%rax,8),%zmm0"), False),
        ("fp_mont_mul16_ifma", lst("mov (%rsi),%rax", "test %rax,%rax", "jne 10 <x>"), False),
        ("fp_mont_mul16_ifma", lst("mov 0x8(%rsp),%rax", "mov (%rax),%rbx"), False),
        ("fp_mont_mul16_ifma", lst("vmovq %rdi,%xmm1", "vpaddq (%rsi),%xmm1,%xmm1", "vmovq %xmm1,%rax",
                                   "mov (%rax),%rbx"), False),
        ("fp_mont_mul16_ifma", lst("vmovdqu64 (%rsi),%zmm0{%k1}"), False),
        ("fp_mont_mul16_ifma", lst("call 0 <memcpy>"), False),
        ("fp_mont_mul16_ifma", lst("lea 0x40(%rsp),%rdi", "xor %eax,%eax", "mov $0x15,%ecx",
                                   "rep stos %rax,%es:(%rdi)"), True),
        ("fp_mont_mul16_ifma", lst("mov (%rsi),%rax", "lea 0x40(%rsp,%rax,8),%rdi", "mov %rax,(%rdi)"), False),
        ("fp_ct_lookup", lst("xor %eax,%eax", "mov %r8,%r9", "xor %rax,%r9", "add $0x1,%rax",
                             "vpbroadcastq %r9,%zmm0", "vpternlogd $0xf8,(%rsi),%zmm0,%zmm2", "add %rdx,%rsi",
                             "cmp %rax,%rcx", "jne 1 <fp_ct_lookup+0x1>"), True),
        ("fp_ct_lookup", lst("xor %eax,%eax", "cmp %r8,%rax", "je 5 <x>", "add $0x1,%rax",
                             "cmp %rax,%rcx", "jne 1 <fp_ct_lookup+0x1>"), False),
        ("fp_ct_lookup", lst("xor %eax,%eax", "mov %r8,%r9", "imul %rdx,%r9", "add %rsi,%r9",
                             "vmovdqu64 (%r9),%zmm0", "add $0x1,%rax", "cmp %rax,%rcx",
                             "jne 1 <fp_ct_lookup+0x1>"), False),
        # a secret reaching the loop counter through the back edge
        ("fp_ct_lookup", lst("xor %eax,%eax", "vmovdqu64 (%rsi,%rax,1),%zmm0", "vmovq %xmm0,%rax",
                             "cmp %rax,%rcx", "jne 1 <fp_ct_lookup+0x1>"), False),
    ]
    ok = True
    for i, (fn, body, good) in enumerate(cases):
        if (not analyse(fn, body)) != good:
            print("ifma_ctcheck: self-test case %d misjudged" % i)
            ok = False
    return ok


def main():
    if not selftest():
        sys.exit(1)
    objs = [o for a in sys.argv[1:] for o in a.split(";") if o]
    obj = next((o for o in objs if o.endswith("/fp.c.o")), None)
    if obj is None:
        sys.exit("ifma_ctcheck: fp.c.o not among the arguments")
    dump = subprocess.run(["objdump", "-d", "--no-show-raw-insn", "-M", "att", obj],
                          check=True, capture_output=True, text=True).stdout
    funcs, cur = {}, None
    for line in dump.splitlines():
        m = re.match(r"^[0-9a-f]+ <(\w+)>:$", line)
        if m:
            cur = m.group(1)
            funcs[cur] = []
        elif cur and line.strip():
            funcs[cur].append(line)
        else:
            cur = None
    fail = False
    for name in FUNCS:
        if name not in funcs:
            print("ifma_ctcheck: %s not found in %s" % (name, obj))
            fail = True
            continue
        bad = analyse(name, funcs[name])
        for b in sorted(set(bad)):
            print("ifma_ctcheck: %s: %s" % (name, b))
        print("ifma_ctcheck: %s: %d instructions, %s" % (name, len(funcs[name]), "FAIL" if bad else "ok"))
        fail |= bool(bad)
    sys.exit(1 if fail else 0)


main()
