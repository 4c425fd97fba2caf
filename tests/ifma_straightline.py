#!/usr/bin/env python3
"""The AVX-512 IFMA field products are constant time by construction:
straight-line code whose memory operands are fixed offsets from the argument
pointers, the stack or the constant tables. valgrind (ct_sakke) cannot
execute AVX-512, so this checks the compiled code of
fp_mont_{mul,sqr,muladd}16_ifma in fp.c's object file (objdump):

  - no jump or call other than a call or tail jump to another checked
    function: with no branch, one pass over the instructions is an exact
    data-flow analysis;
  - every memory operand is base + constant displacement (no index), and the
    base register holds, at that instruction, a pointer the function was
    given (an argument register or a copy of one by mov/lea, a spill of one
    to the stack or a vector register and back, %rsp, %rbp before any other
    write, %rip): never a value computed from data.

usage: ifma_straightline.py OBJECT...   (the library's object files; CTest
may pass them as one ';'-separated word)"""
import re
import subprocess
import sys

ARGS = {"fp_mont_mul16_ifma": 3, "fp_mont_sqr16_ifma": 2, "fp_mont_muladd16_ifma": 5}
ARG_REGS = ["rdi", "rsi", "rdx", "rcx", "r8", "r9"]
ALIASES = {}
for r in ["ax", "bx", "cx", "dx", "si", "di", "bp", "sp"]:
    for n in ("r" + r, "e" + r, r, r[0] + "l" if r[1] == "x" else r + "l"):
        ALIASES[n] = "r" + r
for i in range(8, 16):
    for n in ("r%d" % i, "r%dd" % i, "r%dw" % i, "r%db" % i):
        ALIASES[n] = "r%d" % i


SLOT = re.compile(r"(-?(?:0x[0-9a-f]+|\d+))?\(%(rsp|rbp)\)")


def check(name, lines):
    ptr = {"rsp", "rbp", "rip"} | set(ARG_REGS[: ARGS[name]])
    slots = set()  # stack slots holding a pointer (spilled by mov)
    bad = []
    for line in lines:
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        ins = parts[-1].strip()
        op, _, args = ins.partition(" ")
        args = args.strip()
        if op.startswith("nop") or op in ("cs", "data16", "endbr64", "vzeroupper", "ret", "leave"):
            continue  # padding, no memory access
        if op.startswith(("j", "call", "loop")):
            if not re.search(r"<fp_mont_(mul|sqr|muladd)16_ifma>", args):
                bad.append("branch: " + ins)
            continue
        for mem in re.findall(r"\(([^)]*)\)", args):
            if "," in mem:
                bad.append("indexed address: " + ins)
            base = ALIASES.get(mem.lstrip("%"), mem.lstrip("%"))
            if base not in ptr:
                bad.append("address from a computed register: " + ins)
        ops = [o for o in re.split(r",(?![^(]*\))", args) if o]
        if not ops:
            continue
        dst = ops[-1]
        src = ops[0] if len(ops) == 2 else ""
        sm = re.fullmatch(r"%(\w+)", src)
        ds = SLOT.fullmatch(dst)
        if ds:  # a store to a stack slot: a pointer spill or not
            key = (ds.group(2), ds.group(1) or "0")
            if op in ("mov", "movq") and sm and ALIASES.get(sm.group(1)) in ptr and sm.group(1).startswith("r"):
                slots.add(key)
            else:
                slots.discard(key)
            continue
        m = re.fullmatch(r"%(\w+)", dst)
        vd = re.fullmatch(r"%[xyz]mm(\d+)", dst)
        if vd:  # a vector register: a pointer parked by vmovq, or data
            if op in ("vmovq", "movq") and sm and ALIASES.get(sm.group(1)) in ptr and sm.group(1).startswith("r"):
                ptr.add("v" + vd.group(1))
            else:
                ptr.discard("v" + vd.group(1))
            continue
        if not m or m.group(1) not in ALIASES:
            continue
        reg = ALIASES[m.group(1)]
        vs = re.fullmatch(r"%xmm(\d+)", src)
        if op in ("vmovq", "movq") and vs and "v" + vs.group(1) in ptr:
            ptr.add(reg)  # a parked pointer taken back
            continue
        ss = SLOT.fullmatch(src)
        if op in ("mov", "movq") and ss and (ss.group(2), ss.group(1) or "0") in slots:
            ptr.add(reg)  # a spilled pointer reloaded
            continue
        copy_ptr = op in ("mov", "movq") and sm and ALIASES.get(sm.group(1)) in ptr and sm.group(1).startswith("r")
        lea_ptr = op in ("lea", "leaq") and re.fullmatch(r"-?(0x[0-9a-f]+|\d+)?\(%(\w+)\)", src) and \
            ALIASES.get(re.fullmatch(r"-?(0x[0-9a-f]+|\d+)?\(%(\w+)\)", src).group(2)) in ptr
        if reg == "rsp" and op in ("sub", "add", "and", "lea", "push", "pop", "mov"):
            continue  # the frame: rsp stays the stack pointer
        if copy_ptr or lea_ptr:
            ptr.add(reg)
        else:
            ptr.discard(reg)
    return bad


def selftest():
    """The checker itself: each listing must be judged as stated."""
    def lst(*ins):
        return ["  %x:\t%s" % (i, x) for i, x in enumerate(ins)]
    cases = [
        (lst("vmovdqu64 (%rsi),%zmm0", "vmovdqu64 %zmm0,0x40(%rdi)"), True),
        (lst("mov %rdi,%r14", "vmovq %rdi,%xmm20", "mov %r14,0x8(%rsp)", "xor %r14d,%r14d",
             "mov 0x8(%rsp),%rax", "vmovdqu64 %zmm0,(%rax)", "vmovq %xmm20,%rcx", "mov %rax,(%rcx)"), True),
        (lst("mov (%rsi),%rax", "mov (%rax),%rbx"), False),             # address loaded from data
        (lst("vmovdqu64 (%rsi,%rax,8),%zmm0"), False),                  # indexed
        (lst("add $0x8,%rsi", "mov (%rsi),%rax"), False),               # computed pointer
        (lst("test %rax,%rax", "jne 10 <x>"), False),                   # branch
        (lst("mov 0x8(%rsp),%rax", "mov (%rax),%rbx"), False),          # unknown slot
        (lst("vmovq %rdi,%xmm1", "vpaddq %xmm2,%xmm1,%xmm1", "vmovq %xmm1,%rax", "mov (%rax),%rbx"), False),
    ]
    ok = True
    for i, (body, good) in enumerate(cases):
        if (not check("fp_mont_muladd16_ifma", body)) != good:
            print("ifma_straightline: self-test case %d misjudged" % i)
            ok = False
    return ok


def main():
    if not selftest():
        sys.exit(1)
    objs = [o for a in sys.argv[1:] for o in a.split(";") if o]
    obj = next((o for o in objs if o.endswith("/fp.c.o")), None)
    if obj is None:
        sys.exit("ifma_straightline: fp.c.o not among the arguments")
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
    for name in ARGS:
        if name not in funcs:
            print("ifma_straightline: %s not found in %s" % (name, obj))
            fail = True
            continue
        bad = check(name, funcs[name])
        for b in bad:
            print("ifma_straightline: %s: %s" % (name, b))
        print("ifma_straightline: %s: %d instructions, %s" % (name, len(funcs[name]), "FAIL" if bad else "ok"))
        fail |= bool(bad)
    sys.exit(1 if fail else 0)


main()
