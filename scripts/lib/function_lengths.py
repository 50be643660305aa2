#!/usr/bin/env python3
"""function_lengths.py N FILE...: lists the functions longer than N lines in C++ files, one a
line, and exits 1 when there is any. A brace scanner, not a parser: good enough for this code
base's clang-formatted style, where a function opens at namespace level or inside a class."""
import re, sys


def strip(line):
    """The line's code with string and character literals emptied and its // comment dropped,
    scanned left to right so that "tcp://" is a string, not a comment."""
    out, quote, i = [], None, 0
    while i < len(line):
        ch = line[i]
        if quote:
            if ch == '\\':
                i += 1
            elif ch == quote:
                out.append(ch)
                quote = None
        elif ch == "'" and 0 < i < len(line) - 1 and line[i - 1].isalnum() and line[i + 1].isalnum():
            out.append(ch)  # a digit separator (1'000'000), not a character literal
        elif ch in '"\'':
            out.append(ch)
            quote = ch
        elif line.startswith('//', i):
            break
        else:
            out.append(ch)
        i += 1
    return ''.join(out)


limit = int(sys.argv[1])
found = 0
for path in sys.argv[2:]:
    lines = open(path).read().split('\n')
    stack = []  # kinds of open braces: 'ns', 'class', 'func', 'other'
    func_start = None
    header = ''
    for i, line in enumerate(lines):
        code = strip(line)
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
