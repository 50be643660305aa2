#!/usr/bin/env python3
"""function_lengths.py N FILE...: lists the functions longer than N lines in C++ files, one a
line, and exits 1 when there is any. A brace scanner, not a parser: good enough for this code
base's clang-formatted style, where a function opens at namespace level or inside a class."""
import re, sys
limit = int(sys.argv[1])
found = 0
for path in sys.argv[2:]:
    lines = open(path).read().split('\n')
    stack = []  # kinds of open braces: 'ns', 'class', 'func', 'other'
    func_start = None
    header = ''
    for i, line in enumerate(lines):
        code = re.sub(r'//.*', '', line)
        code = re.sub(r'"(\\.|[^"\\])*"', '""', code)
        code = re.sub(r"'(\\.|[^'\\])*'", "''", code)
        for ch_i, ch in enumerate(code):
            if ch == '{':
                ctx = (header + ' ' + code[:ch_i]).strip()
                in_func = 'func' in stack
                if in_func:
                    kind = 'other'
                elif re.search(r'\bnamespace\b', ctx.split(';')[-1]):
                    kind = 'ns'
                elif re.search(r'\b(class|struct|enum|union)\b[^()]*$', ctx.split(';')[-1]):
                    kind = 'class'
                elif re.search(r'\)\s*(const)?\s*(noexcept)?\s*(override)?\s*(final)?\s*(->.*)?$', ctx.split(';')[-1]) or re.search(r'\)\s*:\s*', ctx.split(';')[-1]) or ctx.endswith(')') :
                    kind = 'func'
                    func_start = i
                else:
                    kind = 'other'
                stack.append(kind)
                header = ''
            elif ch == '}':
                if stack:
                    kind = stack.pop()
                    if kind == 'func' and 'func' not in stack:
                        n = i - func_start + 1
                        if n > limit:
                            found += 1
                            print(f"{path}:{func_start+1}: {n} lines: {lines[func_start].strip()[:80]}")
                header = ''
            elif ch == ';':
                header = ''
        if not stack or stack[-1] in ('ns', 'class'):
            header += ' ' + code
sys.exit(1 if found else 0)
