#!/usr/bin/env python3
"""The table of bench/compare.sh: one row per system, medians over the rounds (min-max when there are several),
ratios of roomcast to the two peers, and the issue's targets checked. Reads the generator's JSON results
(fanout-SYS-ROUND.json, storm-SYS-ROUND.json, idleN-SYS-ROUND.json) from the work directory.

    compare_table.py WORKDIR "roomcast ws socketio" "10000 19000"
"""
import glob
import json
import os
import statistics
import sys


def load(work, pattern):
    out = []
    for f in sorted(glob.glob(os.path.join(work, pattern))):
        try:
            with open(f) as fh:
                out.append(json.load(fh))
        except (OSError, ValueError):
            pass
    return out


def get(j, *path):
    for p in path:
        if not isinstance(j, dict) or p not in j:
            return None
        j = j[p]
    return j


def values(runs, fn):
    vs = []
    for r in runs:
        try:
            v = fn(r)
        except (TypeError, KeyError, IndexError, ValueError):
            v = None
        if isinstance(v, (int, float)):
            vs.append(float(v))
    return vs


def med(vs):
    return statistics.median(vs) if vs else None


def fmt(vs, digits=1):
    """median, with the spread when there are several values"""
    if not vs:
        return "–"
    m = med(vs)
    s = f"{m:,.{digits}f}"
    if len(vs) > 1:
        s += f" ({min(vs):,.{digits}f}–{max(vs):,.{digits}f}, n={len(vs)})"
    return s


def ratio(a, b):
    return None if a is None or b in (None, 0) else a / b


def fanout_cpu(r):
    return get(r, "server", "cpu_us_per_delivery")


def main():
    work, systems, counts = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
    rows = []
    stats = {}
    for s in systems:
        f = load(work, f"fanout-{s}-[0-9]*.json")
        st = load(work, f"storm-{s}-[0-9]*.json")
        idle = {n: load(work, f"idle{n}-{s}-[0-9]*.json") for n in counts}
        d = {
            "cpu": values(f, fanout_cpu),
            "user": values(f, lambda r: get(r, "server", "cpu_us_per_delivery_user_sys")[0]),
            "sys": values(f, lambda r: get(r, "server", "cpu_us_per_delivery_user_sys")[1]),
            "alloc": values(f, lambda r: get(r, "server", "alloc_bytes_per_delivery")),
            "p50": values(f, lambda r: get(r, "latency_ms", "p50")),
            "p99": values(f, lambda r: get(r, "latency_ms", "p99")),
            "p999": values(f, lambda r: get(r, "latency_ms", "p99.9")),
            "loss": values(f, lambda r: get(r, "delivery", "loss")),
            "dups": values(f, lambda r: get(r, "delivery", "duplicates")),
            "rss": values(f, lambda r: max(i["rss_mb"] for i in get(r, "server", "instances"))),
            "other": values(f, lambda r: get(r, "server", "other_processes_cpu_s")),
            "window": values(f, lambda r: get(r, "server", "window_s")),
            "verdict": [get(r, "verdict") for r in f],
            "storm_s": values(st, lambda r: get(r, "setup", "setup_s")),
            "storm_ready": values(st, lambda r: get(r, "setup", "ready")),
            "storm_retries": values(st, lambda r: get(r, "setup", "join_retries") + get(r, "setup", "reconnects")),
            "storm_rss": values(st, lambda r: get(r, "held", "instances")[0]["rss_after_mb"]),
            "storm_other": values(st, lambda r: get(r, "server", "other_processes_cpu_s")),
            "storm_n": values(st, lambda r: get(r, "scenario", "subscribers")),
            "idle": {n: values(idle[n], lambda r: get(r, "held", "instances")[0]["rss_after_mb"]) for n in counts},
            "idle_ready": {n: values(idle[n], lambda r: get(r, "setup", "ready")) for n in counts},
        }
        # storm failures: clients that did not end up connected and joined
        d["storm_fail"] = [n - ok for n, ok in zip(d["storm_n"], d["storm_ready"])]
        stats[s] = d

    base = "roomcast"
    cols = ["system", "CPU µs/delivery", "user", "kernel", "× ws", "× socket.io", "alloc B/delivery",
            "p50 ms", "p99 ms", "p99.9 ms", "loss / dups", "RSS MB (fan-out)", "others CPU-s (fan-out)",
            "storm connect+join s", "storm failed / retries", "storm RSS MB"]
    cols += [f"idle RSS MB @ {int(n):,}" for n in counts]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for s in systems:
        d = stats[s]
        cpu = med(d["cpu"])
        rw = ratio(cpu, med(stats.get("ws", {}).get("cpu", [])))
        rs = ratio(cpu, med(stats.get("socketio", {}).get("cpu", [])))
        loss = f"{fmt(d['loss'], 0)} / {fmt(d['dups'], 0)}" if d["loss"] else "–"
        row = [s, fmt(d["cpu"], 2), fmt(d["user"], 2), fmt(d["sys"], 2),
               "–" if rw is None else f"{rw:.2f}", "–" if rs is None else f"{rs:.2f}",
               fmt(d["alloc"], 0), fmt(d["p50"], 2), fmt(d["p99"], 2), fmt(d["p999"], 2), loss, fmt(d["rss"], 0),
               fmt(d["other"], 1), fmt(d["storm_s"], 2),
               f"{fmt(d['storm_fail'], 0)} / {fmt(d['storm_retries'], 0)}" if d["storm_s"] else "–",
               fmt(d["storm_rss"], 0)]
        row += [fmt(d["idle"][n], 0) + ("" if not d["idle_ready"][n] or min(d["idle_ready"][n]) >= int(n)
                                        else f" (only {int(min(d['idle_ready'][n]))} connected)") for n in counts]
        print("| " + " | ".join(row) + " |")
    print()
    verdicts = [f"{s}: {', '.join(sorted(set(v for v in stats[s]['verdict'] if v)))}" for s in systems if stats[s]["verdict"]]
    if verdicts:
        print("Fan-out verdicts — " + "; ".join(verdicts) + ".")
    windows = [w for s in systems for w in stats[s]["window"]]
    if windows:
        print(f"Others CPU-s: CPU time other processes (not the servers, Redis or the generator) used during each "
              f"{med(windows):.0f} s fan-out window, of {2 * med(windows):.0f} CPU-s on 2 cores; storm: "
              + ", ".join(f"{s} {fmt(stats[s]['storm_other'], 1)}" for s in systems if stats[s]["storm_other"]) + ".")
    # the targets of issue 16
    if base in stats and "ws" in stats and "socketio" in stats:
        r, w, io = stats[base], stats["ws"], stats["socketio"]
        checks = []
        c, cw, ci = med(r["cpu"]), med(w["cpu"]), med(io["cpu"])
        if c and cw and ci:
            checks.append(("fan-out CPU/delivery ≤ 1.0× ws", c <= cw, f"{c / cw:.2f}×"))
            checks.append(("fan-out CPU/delivery ≤ 0.85× socket.io", c <= 0.85 * ci, f"{c / ci:.2f}×"))
        if r["loss"]:
            checks.append(("fan-out zero loss", max(r["loss"]) == 0 and max(r["dups"]) == 0,
                           f"loss {max(r['loss']):.0f}, dups {max(r['dups']):.0f}"))
        p, pw, pi = med(r["p99"]), med(w["p99"]), med(io["p99"])
        if p and pw and pi:
            checks.append(("fan-out p99 ≤ the better peer's", p <= min(pw, pi), f"{p:.2f} vs {min(pw, pi):.2f} ms"))
        t, tw, ti = med(r["storm_s"]), med(w["storm_s"]), med(io["storm_s"])
        if t and tw and ti:
            checks.append(("storm ≤ socket.io's time", t <= ti, f"{t:.2f} vs {ti:.2f} s"))
            checks.append(("storm ≤ 2.5× ws's time", t <= 2.5 * tw, f"{t / tw:.2f}×"))
            checks.append(("storm no failures", max(r["storm_fail"]) == 0, f"{max(r['storm_fail']):.0f} failed"))
        if counts:
            n = "10000" if "10000" in counts else counts[0]
            m, mi = med(r["idle"][n]), med(io["idle"][n])
            if m and mi:
                checks.append((f"idle RSS @ {int(n):,} ≤ socket.io's", m <= mi, f"{m:.0f} vs {mi:.0f} MB"))
        if checks:
            print()
            print("Targets: " + "; ".join(f"{name}: **{'holds' if ok else 'not met'}** ({how})" for name, ok, how in checks) + ".")


if __name__ == "__main__":
    main()
