#!/usr/bin/env python3
# bench/support/find_store_forwarding_stalls.py BINARY FUNCTION
#
# Lists the loads from the stack in FUNCTION (a substring of its demangled name) that read bytes a
# store of another size or offset wrote within the 12 instructions before: a store-to-load
# forwarding failure on x86 (the load waits until the store reaches the cache, ~12+ cycles), the
# pattern GCC produces when it builds a small struct with narrow stores and copies it with one
# wide load (bench/results/parsers.md, session 13). A heuristic over `objdump -d` text; it finds
# candidates, perf annotate says whether they are hot.
#
#   bench/support/find_store_forwarding_stalls.py build/bin/parser_bench DatadogWebhookParser::ParseRecord
import re, subprocess, sys
binary, func = sys.argv[1], sys.argv[2]
out = subprocess.run(['objdump','-d','--no-show-raw-insn','-C',binary], capture_output=True, text=True).stdout
lines=[]; on=False
for l in out.splitlines():
    if l.endswith('>:') and func in l: on=True; continue
    if on and l.strip()=='' : 
        if lines: break
        continue
    if on: lines.append(l)
ins=[]
for l in lines:
    m=re.match(r'\s*([0-9a-f]+):\s+(\S+)\s*(.*)',l)
    if m: ins.append((int(m.group(1),16),m.group(2),m.group(3)))
mem=re.compile(r'(-?0x[0-9a-f]+)?\(%(rbp|rsp)\)')
def size_of(op,args):
    if op.startswith(('movzb', 'movsb')) or op == 'movb': return 1
    if op.startswith(('movzw', 'movsw')) or op == 'movw': return 2
    if op == 'movslq' or op == 'movl': return 4
    if op.startswith('vmovdq') or op.startswith('movdq') or op in('vmovups','vmovaps','movups','movaps'):
        return 32 if '%ymm' in args else 16
    if op.startswith('movq') or op=='mov' and re.search(r'%r[a-z0-9]+\b(?!d)',args) and not re.search(r'%e|%r\d+d|%r\d+w|%r\d+b|%[a-d]l|%[sd]il',args): return 8
    if op in('movl',) or re.search(r'%e[a-z]{2}|%r\d+d\b',args): return 4
    if op in('movw',) or re.search(r'%[a-d]x\b|%r\d+w',args): return 2
    if op in('movb',) or re.search(r'%[a-d]l\b|%r\d+b|%[sd]il',args): return 1
    return 8
hits=[]
for i,(a,op,args) in enumerate(ins):
    if not (op.startswith('mov') or op.startswith('vmov')): continue
    parts=args.split(',')
    if len(parts)<2: continue
    src=','.join(parts[:-1]); dst=parts[-1]
    m=mem.search(src)
    if not m or mem.search(dst): continue   # load
    off=int(m.group(1) or '0',16) if not (m.group(1) or '').startswith('-') else -int(m.group(1)[1:],16)
    lsize=size_of(op,args)
    for j in range(max(0,i-12),i):
        a2,op2,args2=ins[j]
        if not (op2.startswith('mov') or op2.startswith('vmov')): continue
        p2=args2.split(',')
        m2=mem.search(p2[-1]) if len(p2)>=2 else None
        if not m2 or m2.group(2)!=m.group(2): continue
        off2=int(m2.group(1) or '0',16) if not (m2.group(1) or '').startswith('-') else -int(m2.group(1)[1:],16)
        ssize=size_of(op2,args2)
        if off2 < off+lsize and off2+ssize > off and (ssize < lsize or off2 != off):
            hits.append((a, op, args, a2, op2, args2)); break
for h in hits: print(hex(h[0]), h[1], h[2], ' <= ', hex(h[3]), h[4], h[5])
print(len(hits), 'suspect loads', file=sys.stderr)
