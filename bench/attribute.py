"""Attributes each `perf script` sample of a Gatehouse profile: to the kernel when it was taken
there, else to the nearest frame of code we can name — our modules by function (`Gatehouse` alone:
the standard library's generics specialised for our types), the libraries (SwiftNIO, Hummingbird,
HTTP types, SQLite, swift-crypto), the concurrency runtime — else to the Swift runtime and libc
themselves. Prints shares.

Usage: perf script -i perf.data | python3 bench/attribute.py [depth=1]
"""
import collections
import re
import subprocess
import sys

LIBRARIES = [
    (r"^\$s\d*Gatehouse(\w+?)\d", None),
    (r"Hummingbird", "Hummingbird"),
    (r"NIOHTTPTypes|HTTPTypes", "HTTP types (swift-http-types, NIO's conversion)"),
    (r"NIOHTTP1|llhttp", "SwiftNIO HTTP/1.1 codec"),
    (r"NIOSSL|ssl_|SSL_", "TLS"),
    (r"swift_job_run|swift_task_|swift::AsyncTask|runJobInEstablishedExecutorContext|swift_continuation|TaskAllocator",
     "Swift concurrency (starting, switching, ending tasks)"),
    (r"NIOPosix|NIOCore|NIOConcurrency", "SwiftNIO core (event loop, pipeline, sockets)"),
    (r"^sqlite3|SQLite", "SQLite"),
    (r"FoundationEssentials|Foundation", "Foundation"),
    (r"Crypto", "swift-crypto"),
]

samples = collections.Counter()
total = 0
frames = []
kernel_leaf = False


def flush():
    global frames, total
    if not frames:
        return
    total += 1
    label = ("lib", "kernel (socket reads and writes, epoll, scheduling)") if frames[0][1] == "[kernel.kallsyms]" else None
    for symbol, dso in frames if label is None else []:
        if "Gatehouse" in symbol and symbol.startswith("$s"):
            label = ("ours", symbol)
            break
        for pattern, name in LIBRARIES[1:]:
            if re.search(pattern, symbol) or re.search(pattern, dso):
                label = ("lib", name)
                break
        if label:
            break
    if label is None:
        label = ("lib", "Swift runtime, malloc, libc (no nearer frame)")
    samples[label] += 1
    frames = []


for line in sys.stdin:
    line = line.rstrip("\n")
    if not line.strip():
        flush()
        continue
    if not line.startswith("\t") and not line.startswith(" "):
        flush()
        continue
    m = re.match(r"\s+[0-9a-f]+ (.+?)\+0x[0-9a-f]+ \((.+)\)$", line) or re.match(r"\s+[0-9a-f]+ (.+) \((.+)\)$", line)
    if m:
        frames.append((m.group(1), m.group(2)))
flush()

ours = {s: n for (kind, s), n in samples.items() if kind == "ours"}
names = list(ours)
demangled = subprocess.run(["swift", "demangle", "--simplified"], input="\n".join(names), capture_output=True, text=True).stdout.splitlines() if names else []
by_function = collections.Counter()
by_module = collections.Counter()
for mangled, readable in zip(names, demangled):
    module = re.match(r"^\$s\d*(Gatehouse\w*?)(\d|$)", mangled)
    readable = re.sub(r"^(specialized |partial apply for |closure #\d+ in |implicit closure #\d+ in |\(\d+\) await resume partial function for |\(\d+\) suspend resume partial function for |protocol witness for |outlined \w+ of |merged )+", "", readable)
    readable = re.sub(r"\(.*", "", readable)[:90]
    by_function[readable] += ours[mangled]
    by_module[module.group(1) if module else "Gatehouse"] += ours[mangled]
print(f"{total} samples\n\n| where | share |\n|---|---|")
rows = [(n, k) for k, n in by_module.items()] + [(n, name) for (kind, name), n in samples.items() if kind == "lib"]
for n, name in sorted(rows, reverse=True):
    print(f"| {name} | {100 * n / total:.1f}% |")
print("\n| our function (nearest frame) | share |\n|---|---|")
for name, n in by_function.most_common(int(sys.argv[1]) if len(sys.argv) > 1 else 25):
    print(f"| `{name}` | {100 * n / total:.1f}% |")
