#!/usr/bin/env python3
"""RSS of a running JVM by part: CDS archives, libjvm, Java heap, malloc, code cache, metaspace, stacks.

    bench/rss-parts.py PID

Reads /proc/PID/smaps (resident kB per mapping). File mappings are named by their file (the JDK's base CDS archive,
the AppCDS archive, libjvm.so, other libraries); anonymous mappings are attributed with the address ranges of
`jcmd PID VM.native_memory detail`, so start the JVM with -XX:NativeMemoryTracking=detail (NMT itself costs
about 1 MB and some malloc headers, so take the total RSS from a start without it). Without NMT the anonymous
mappings are reported as one line. Anonymous memory NMT does not own is glibc malloc (its arenas and the brk heap).
Prints a Markdown table, largest part first.
"""
import re
import subprocess
import sys
from collections import Counter

MAPPING = re.compile(r'^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$')
NMT_RESERVED = re.compile(r'^\[0x([0-9a-f]+) - 0x([0-9a-f]+)\] reserved \d+KB for (.*?)(?: from)?$')


def mappings(pid):
    """(start, name, rss_kb) for every mapping of the process."""
    result, current = [], None
    with open(f'/proc/{pid}/smaps') as f:
        for line in f:
            m = MAPPING.match(line)
            if m:
                current = [int(m.group(1), 16), m.group(4).strip(), 0]
                result.append(current)
            elif line.startswith('Rss:') and current is not None:
                current[2] = int(line.split()[1])
    return result


def nmt_ranges(pid):
    """(start, end, NMT category) of every reserved range, or [] when NMT detail is off."""
    try:
        out = subprocess.run(['jcmd', str(pid), 'VM.native_memory', 'detail'], capture_output=True, text=True,
                             timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    ranges = []
    for line in out.splitlines():
        m = NMT_RESERVED.match(line.strip())
        if m:
            ranges.append((int(m.group(1), 16), int(m.group(2), 16), m.group(3)))
    return ranges


def part_of(start, name, ranges):
    if name.endswith('.jsa'):
        return 'CDS: JDK base archive' if name.endswith('/classes.jsa') else f'CDS: {name}'
    if name.endswith('/libjvm.so'):
        return 'libjvm.so'
    if name == '[heap]':
        return 'malloc (glibc)'
    if name:
        return 'other libraries and files'
    if not ranges:
        return 'anonymous (heap, malloc, code, metaspace, stacks: start with -XX:NativeMemoryTracking=detail)'
    owner = next((r[2] for r in ranges if r[0] <= start < r[1]), None)
    return owner or 'malloc (glibc)'


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    pid = int(sys.argv[1])
    ranges = nmt_ranges(pid)
    parts = Counter()
    for start, name, rss in mappings(pid):
        parts[part_of(start, name, ranges)] += rss
    total = sum(parts.values())
    print('| part | RSS MB |')
    print('|---|---|')
    for part, kb in parts.most_common():
        print(f'| {part} | {kb / 1024:.1f} |')
    print(f'| total | {total / 1024:.1f} |')


if __name__ == '__main__':
    main()
