#!/usr/bin/env python3
"""ratios.py: ESP/raw time ratios from tunnelisa_bench JSON output.

Usage:
  tunnelisa_bench --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true \
      --benchmark_out=esp.json --benchmark_out_format=json
  python3 bench/ratios.py esp.json [sad.json ...] [--time cpu|real]

Per benchmark it takes the median over repetitions (individual iteration runs, so files may be
merged; or, for runs with --benchmark_report_aggregates_only=true, the "median" aggregate),
converts it to ns per packet (one iteration = one burst of 32 packets) and prints Markdown
tables:
  - per suite and size: ESP encrypt / raw seal and ESP decrypt / raw open time ratios, ns per
    packet and Gbit/s of inner packet bytes;
  - SadLookup / SadFind ns per packet for each n and the 1M/1k ratio;
  - engine / data plane (BM_Engine* against BM_Esp*, BM_EngineGreEncap against BM_GreEncap);
  - backends side by side (BM_Esp*/<suite>/<bytes>/<backend> against BM_Raw*/<suite>/<bytes>);
  - the issue's targets, met or missed.
"""
import argparse
import json
import re
import statistics
import sys
from collections import defaultdict

BURST = 32
SUITES = ["aes128gcm16", "aes256gcm16", "chacha20poly1305", "aes128-sha256", "aes256-sha512",
          "3des-sha1"]
SIZES = [64, 512, 1420]
BACKENDS = ["openssl", "sodium", "ipsecmb"]
UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def load(paths, which):
    """name -> list of ns per packet (one entry per repetition)."""
    runs = defaultdict(list)
    context = None
    for path in paths:
        with open(path) as f:
            data = json.load(f)
        context = context or data.get("context")
        for b in data["benchmarks"]:
            if b.get("error_occurred"):
                continue
            kind = b.get("run_type", "iteration")
            if kind == "aggregate" and b.get("aggregate_name") != "median":
                continue
            if kind not in ("iteration", "aggregate"):
                continue
            name = b.get("run_name", b["name"])
            t = b[f"{which}_time"] * UNIT_NS[b.get("time_unit", "ns")]
            runs[name].append(t / BURST)  # per packet
    return runs, context


def med(runs, name):
    v = runs.get(name)
    return statistics.median(v) if v else None


def backends_table(runs, ratios):
    """ESP per backend beside raw OpenSSL: ns per packet and the ESP/raw ratio."""
    rows = []
    for suite in SUITES:
        for size in SIZES:
            raw = {d: med(runs, f"BM_{k}/{suite}/{size}")
                   for d, k in (("enc", "RawSeal"), ("dec", "RawOpen"))}
            esp = {(d, be): med(runs, f"BM_{k}/{suite}/{size}/{be}")
                   for d, k in (("enc", "EspEncrypt"), ("dec", "EspDecrypt")) for be in BACKENDS}
            if all(v is None for v in esp.values()):
                continue
            rows.append((suite, size, raw, esp))
    if not rows:
        return
    head = " | ".join(f"{d} {be}" for d in ("enc", "dec") for be in BACKENDS)
    print(f"\n| suite | bytes | raw seal | raw open | {head} |")
    print("|---|---:|" + "---:|" * (2 + 2 * len(BACKENDS)))
    for suite, size, raw, esp in rows:
        cells = []
        for d in ("enc", "dec"):
            best = min((v for (dd, _), v in esp.items() if dd == d and v), default=None)
            for be in BACKENDS:
                v = esp[(d, be)]
                if v is None:
                    cells.append("-")
                    continue
                r = v / raw[d] if raw[d] else None
                ratios[("backend", be, d, suite, size)] = r
                cell = f"{v:.0f} ({fmt(r)})"
                cells.append(f"**{cell}**" if v == best else cell)
        print(f"| {suite} | {size} | {fmt(raw['enc'], '{:.0f}')} | {fmt(raw['dec'], '{:.0f}')} | "
              + " | ".join(cells) + " |")
    print("\nCells: ESP ns per packet (ESP / raw OpenSSL of the same direction); bold: the "
          "fastest backend of the row and direction.")


def spread(runs, name):
    v = runs.get(name)
    if not v or len(v) < 2:
        return 0.0
    m = statistics.median(v)
    return (max(v) - min(v)) / m * 100 if m else 0.0


def fmt(x, spec="{:.2f}"):
    return "n/a" if x is None else spec.format(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+")
    ap.add_argument("--time", choices=["cpu", "real"], default="cpu",
                    help="which time to compare (default cpu: robust on a shared machine)")
    args = ap.parse_args()
    runs, ctx = load(args.files, args.time)
    if ctx:
        print(f"<!-- {ctx.get('host_name', '')} {ctx.get('num_cpus', '')} cpus, "
              f"{ctx.get('mhz_per_cpu', '')} MHz, {ctx.get('date', '')}; {args.time} time -->")

    print("| suite | bytes | ESP enc ns/pkt | raw seal ns/pkt | enc ratio | ESP dec ns/pkt |"
          " raw open ns/pkt | dec ratio | ESP enc Gbit/s | ESP dec Gbit/s | reps (max spread %) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    ratios = {}
    for suite in SUITES:
        for size in SIZES:
            names = {k: f"BM_{k}/{suite}/{size}"
                     for k in ("EspEncrypt", "RawSeal", "EspDecrypt", "RawOpen")}
            t = {k: med(runs, n) for k, n in names.items()}
            if t["EspEncrypt"] is None and t["EspDecrypt"] is None:
                continue  # e.g. a run of the per-backend names only
            er = t["EspEncrypt"] / t["RawSeal"] if t["EspEncrypt"] and t["RawSeal"] else None
            dr = t["EspDecrypt"] / t["RawOpen"] if t["EspDecrypt"] and t["RawOpen"] else None
            ratios[(suite, size)] = (er, dr)
            gb = lambda ns: None if not ns else size * 8 / ns  # bits per ns = Gbit/s
            reps = min(len(runs.get(n, [])) for n in names.values())
            sp = max(spread(runs, n) for n in names.values())
            print(f"| {suite} | {size} | {fmt(t['EspEncrypt'], '{:.0f}')} | "
                  f"{fmt(t['RawSeal'], '{:.0f}')} | **{fmt(er)}** | "
                  f"{fmt(t['EspDecrypt'], '{:.0f}')} | {fmt(t['RawOpen'], '{:.0f}')} | "
                  f"**{fmt(dr)}** | {fmt(gb(t['EspEncrypt']))} | {fmt(gb(t['EspDecrypt']))} | "
                  f"{reps} ({sp:.0f}) |")
    restore = med(runs, "BM_EncryptRestore")
    if restore is not None:
        print(f"\nBM_EncryptRestore (input restore inside BM_EspEncrypt): {restore:.2f} ns/packet")

    sad = {}
    for kind in ("SadLookup", "SadFind", "SadProtoSerial", "SadProtoBurst", "SadProtoCompact"):
        for name in runs:
            m = re.fullmatch(rf"BM_{kind}/(\d+)", name)
            if m:
                sad[(kind, int(m.group(1)))] = med(runs, name)
    if sad:
        print("\n| benchmark | n SAs | ns/packet |")
        print("|---|---:|---:|")
        for (kind, n), v in sorted(sad.items()):
            print(f"| BM_{kind} | {n} | {v:.1f} |")
        for kind in ("SadLookup", "SadFind", "SadProtoSerial", "SadProtoBurst", "SadProtoCompact"):
            lo, hi = sad.get((kind, 1000)), sad.get((kind, 1000000))
            if lo and hi:
                print(f"\n{kind} 1M/1k ratio: **{hi / lo:.2f}**")

    engine = []
    for suite in SUITES:
        for size in SIZES:
            t = {k: med(runs, f"BM_{k}/{suite}/{size}")
                 for k in ("EngineEncrypt", "EspEncrypt", "EngineDecrypt", "EspDecrypt")}
            if t["EngineEncrypt"] is None and t["EngineDecrypt"] is None:
                continue
            er = t["EngineEncrypt"] / t["EspEncrypt"] if t["EngineEncrypt"] and t["EspEncrypt"] \
                else None
            dr = t["EngineDecrypt"] / t["EspDecrypt"] if t["EngineDecrypt"] and t["EspDecrypt"] \
                else None
            engine.append((suite, size, t, er, dr))
            ratios[("engine", suite, size)] = (er, dr)
    if engine:
        print("\n| suite | bytes | engine enc ns/pkt | ESP enc ns/pkt | enc ratio |"
              " engine dec ns/pkt | ESP dec ns/pkt | dec ratio |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for suite, size, t, er, dr in engine:
            print(f"| {suite} | {size} | {fmt(t['EngineEncrypt'], '{:.0f}')} | "
                  f"{fmt(t['EspEncrypt'], '{:.0f}')} | **{fmt(er)}** | "
                  f"{fmt(t['EngineDecrypt'], '{:.0f}')} | {fmt(t['EspDecrypt'], '{:.0f}')} | "
                  f"**{fmt(dr)}** |")
    for size in SIZES:
        e, g = med(runs, f"BM_EngineGreEncap/{size}"), med(runs, f"BM_GreEncap/{size}")
        if e and g:
            print(f"\nBM_EngineGreEncap/{size}: {e:.1f} ns/packet, BM_GreEncap/{size}: "
                  f"{g:.1f} ns/packet: ratio **{e / g:.1f}**")

    backends_table(runs, ratios)

    print("\n## Targets")
    for suite, size, limit in (("aes128gcm16", 64, 0.67), ("aes128gcm16", 1420, 0.9),
                               ("aes128-sha256", 1420, 0.5)):
        for d in ("enc", "dec"):
            r = ratios.get(("backend", "ipsecmb", d, suite, size))
            if r is None:
                continue
            print(f"- ipsecmb {suite} {size} B {d}: ESP/raw {fmt(r)} (target <= {limit}): "
                  f"{'MET' if r <= limit else 'MISSED'}")
    for size, limit in ((64, 1.25), (1420, 1.10)):
        er, dr = ratios.get(("engine", "aes128gcm16", size), (None, None))
        for label, r in (("encrypt", er), ("decrypt", dr)):
            if r is None:
                continue
            print(f"- aes128gcm16 {size} B {label}: engine/ESP {fmt(r)} (target <= {limit}): "
                  f"{'MET' if r <= limit else 'MISSED'}")
    for size, limit in ((1420, 1.15), (64, 1.40)):
        er, dr = ratios.get(("aes128gcm16", size), (None, None))
        for label, r in (("encrypt", er), ("decrypt", dr)):
            if r is None:
                continue  # not in these files
            print(f"- aes128gcm16 {size} B {label}: ESP/raw {fmt(r)} (target <= {limit}): "
                  f"{'MET' if r <= limit else 'MISSED'}")
    lo, hi = sad.get(("SadLookup", 1000)), sad.get(("SadLookup", 1000000))
    if lo and hi:
        print(f"- SadLookup 1M/1k: {hi / lo:.2f} (target <= 3): "
              f"{'MET' if hi / lo <= 3 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
