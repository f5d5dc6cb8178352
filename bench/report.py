"""Turns bench/run's raw wrk results into the Markdown table BENCHMARKS.md records."""
import re
import subprocess
import sys

raw, peak_kb, rss_kb, duration, keys = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
rows = {}
for line in open(raw):
    m = re.match(
        r"(\w+) stream=(\d) conns=(\d+) RESULT rps=([\d.]+) p50_us=(\d+) p99_us=(\d+) requests=(\d+) errors=(\d+)"
        r"(?: cpu_ticks=(\d+) hz=(\d+))?", line)
    if m:
        name, stream, conns = m.group(1), m.group(2) == "1", int(m.group(3))
        requests = int(m.group(7))
        # CPU per request of the processes doing the proxying (µs), from /proc.
        cpu = int(m.group(9)) / int(m.group(10)) * 1e6 / requests if m.group(9) and requests else None
        rows[(name, stream, conns)] = dict(rps=float(m.group(4)), p50=int(m.group(5)), p99=int(m.group(6)), errors=int(m.group(8)), cpu=cpu)

cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], capture_output=True, text=True).stdout.strip()
print(f"Machine: {cpu}, {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores; {duration} s per measurement; wrk -t1 -c1 / -t2 -c32.\n")
print("| mode | connections | target | requests/s | × nginx | p50 | p99 | added p50 vs direct | CPU µs/request | × nginx CPU | errors |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for stream in (False, True):
    for conns in (1, 32):
        direct = rows.get(("direct", stream, conns))
        nginx = rows.get(("nginx", stream, conns))
        for name in ("direct", "nginx", "gatehouse", "gatehouse_ahc", "gatehouse_vkey", "gatehouse_limits", "gatehouse_https", "nginx_https", "nginx_mtls", "gatehouse_rs256", "gatehouse_es256", "gatehouse_inproc"):
            r = rows.get((name, stream, conns))
            if not r:
                continue
            ratio = f"{r['rps'] / nginx['rps']:.2f}" if nginx else "–"
            added = f"+{(r['p50'] - direct['p50']) / 1000:.3f} ms" if direct and name != "direct" else "–"
            label = {
                "gatehouse": "gatehouse (nio client)",
                "gatehouse_ahc": "gatehouse (async-http-client)",
                "gatehouse_vkey": "gatehouse (nio client, virtual key)",
                "gatehouse_limits": "gatehouse (nio client, virtual key with rpm, tpm, budget)",
                "gatehouse_https": "gatehouse over HTTPS (wrk → TLS, master key)",
                "nginx_https": "nginx → gatehouse over HTTPS (master key)",
                "nginx_mtls": "nginx → gatehouse over mutual TLS (client certificate)",
                "gatehouse_rs256": "gatehouse (nio client, RS256 JWT)",
                "gatehouse_es256": "gatehouse (nio client, ES256 JWT)",
                "gatehouse_inproc": "gatehouse answering itself (mock model, no upstream call)",
            }.get(name, name)
            cpu = f"{r['cpu']:.1f}" if r.get("cpu") is not None else "–"
            cpu_ratio = f"{r['cpu'] / nginx['cpu']:.1f}" if r.get("cpu") and nginx and nginx.get("cpu") else "–"
            print(
                f"| {'stream' if stream else 'plain'} | {conns} | {label} | {r['rps']:,.0f} | {ratio} | {r['p50'] / 1000:.3f} ms | "
                f"{r['p99'] / 1000:.3f} ms | {added} | {cpu} | {cpu_ratio} | {r['errors']} |")
print(f"\nThe virtual key sits among {int(keys):,} others in the SQLite store (all held in memory).")
print("CPU µs/request: user + system time of the proxying processes (nginx's workers; the Gatehouse instance) from /proc over the run, divided by its requests; the direct row is the mock's own.")
print(f"Gatehouse resident memory: {rss_kb / 1024:.1f} MiB after the run, peak {peak_kb / 1024:.1f} MiB (VmHWM).")
