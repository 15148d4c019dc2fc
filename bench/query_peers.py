#!/usr/bin/env python3
"""Helpers of bench/query-peers.sh around ../shared/tools/query_bench.py (standard library only).

  lp       convert query_bench.py's Prometheus text (timestamps in ms) to line protocol and POST
           it to Sextant's /v1/write/metric in batches: metric `m_f{labels} v ts_ms` becomes
           `m,<labels> f=v <ts_ns>` (measurement = the name up to the first '_', field = the rest;
           labels are tags, `le` included), one field per line.
  bench    query_bench.py's `bench` and `verify`, with the token of Sextant (env SEXTANT_TOKEN)
           sent as `Authorization: Bearer` on every request; query_bench.Client keeps only the
           host and port of --url, so `?token=` in the URL would be lost.
  verify   likewise.
  summary  read the result JSONs of the systems, print the per-query latency table with the
           Sextant/VictoriaMetrics and Sextant/Prometheus ratios and the agreement of Sextant's
           answers with Prometheus' (text, and Markdown with --md FILE).
"""
import argparse
import http.client
import json
import os
import queue
import sys
import threading
import time
import urllib.parse


def load_query_bench(path):
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    import query_bench  # noqa: E402

    return query_bench


# ------------------------------------------------------------------------------------- lp


def _escape_tag(s):
    return s.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=").replace(" ", "\\ ")


def _prefix(name, labels, cache):
    """'m,tags f=' for a Prometheus series, cached per distinct name{labels}."""
    key = (name, labels)
    p = cache.get(key)
    if p is None:
        us = name.find("_")
        if us <= 0 or us == len(name) - 1:
            raise ValueError("metric name %r has no measurement_field split" % name)
        meas, field = name[:us], name[us + 1 :]
        tags = []
        if labels:
            # query_bench.py writes k="v" pairs without escapes, commas between pairs
            for kv in labels.split('",'):
                k, v = kv.split("=", 1)
                tags.append((k, v.strip('"')))
        tags.sort()
        p = meas + "".join(",%s=%s" % (_escape_tag(k), _escape_tag(v)) for k, v in tags) + " " + field + "="
        cache[key] = p
    return p


def lp(args):
    u = urllib.parse.urlparse(args.url)
    path = u.path + ("?" + u.query if u.query else "")
    batches = queue.Queue(maxsize=args.conns * 4)
    stats = {"posts": 0, "errors": 0, "statuses": {}}
    lock = threading.Lock()

    def poster():
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=600)
        while True:
            body = batches.get()
            if body is None:
                return
            for attempt in range(3):
                try:
                    conn.request("POST", path, body=body, headers={"Content-Type": "text/plain"})
                    r = conn.getresponse()
                    text = r.read()
                    break
                except (http.client.HTTPException, ConnectionError):
                    conn.close()
                    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=600)
                    if attempt == 2:
                        raise
            with lock:
                stats["posts"] += 1
                stats["statuses"][r.status] = stats["statuses"].get(r.status, 0) + 1
                if r.status // 100 != 2:
                    stats["errors"] += 1
                    if stats["errors"] <= 5:
                        print("  error: HTTP %d %s" % (r.status, text[:300]), file=sys.stderr, flush=True)

    threads = [threading.Thread(target=poster, daemon=True) for _ in range(args.conns)]
    for t in threads:
        t.start()
    cache = {}
    lines = 0
    buf = []
    t0 = time.time()
    last = t0
    with open(args.file, "r", buffering=1 << 22) as f:
        for line in f:
            if not line or line[0] == "#" or line == "\n":
                continue
            # name{labels} value ts_ms
            head, value, ts = line.rsplit(" ", 2)
            br = head.find("{")
            if br < 0:
                name, labels = head, ""
            else:
                name, labels = head[:br], head[br + 1 : -1]
            buf.append(_prefix(name, labels, cache) + value + " " + ts[:-1] + "000000\n")
            if len(buf) >= args.batch:
                batches.put("".join(buf).encode())
                lines += len(buf)
                buf = []
                now = time.time()
                if now - last >= 10:
                    last = now
                    print("  %d lines posted, %.0f lines/s" % (lines, lines / (now - t0)), flush=True)
    if buf:
        batches.put("".join(buf).encode())
        lines += len(buf)
    for _ in threads:
        batches.put(None)
    for t in threads:
        t.join()
    wall = time.time() - t0
    print("lines=%d series=%d posts=%d errors=%d wall=%.1fs lines_per_s=%.0f statuses=%s" % (
        lines, len(cache), stats["posts"], stats["errors"], wall, lines / wall if wall else 0,
        ",".join("%d:%d" % kv for kv in sorted(stats["statuses"].items()))), flush=True)
    return 1 if stats["errors"] else 0


# ---------------------------------------------------------------------- bench / verify


def with_token(qb):
    token = os.environ.get("SEXTANT_TOKEN", "")
    if not token:
        return
    def get(self, path, params):
        # the same as query_bench.Client.get, plus the header
        qs = urllib.parse.urlencode(params)
        for attempt in range(2):
            try:
                t0 = time.perf_counter()
                self.conn.request("GET", path + "?" + qs, headers={"Authorization": "Bearer " + token})
                r = self.conn.getresponse()
                body = r.read()
                return r.status, body, time.perf_counter() - t0
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=600)
                if attempt:
                    raise

    qb.Client.get = get


# ----------------------------------------------------------------------------- summary

LABELS = {"sextant": "Sextant", "sextant-head": "Sextant (head)", "vm": "VictoriaMetrics",
          "prom": "Prometheus"}


def agreement(ref, got, tol):
    """Sextant's answer against Prometheus': (ok, text)."""
    da, db = ref["data"], got["data"]
    notes = []
    if len(da) != len(db):
        notes.append("series %d vs %d" % (len(db), len(da)))
    elif set(da) != set(db):
        notes.append("label sets differ")
    only_ref = only_got = n = bad = 0
    worst = 0.0
    worst_at = ""
    for k in set(da) & set(db):
        va, vb = da[k], db[k]
        for t in set(va) | set(vb):
            if t not in vb:
                only_ref += 1
            elif t not in va:
                only_got += 1
            else:
                x, y = va[t], vb[t]
                den = max(abs(x), abs(y))
                d = 0.0 if den == 0 or x == y else abs(x - y) / den
                if x != x or y != y:  # NaN
                    d = 0.0 if (x != x and y != y) else 1.0
                n += 1
                if d > tol:
                    bad += 1
                if d > worst:
                    worst, worst_at = d, "%s @%s: %.6g vs %.6g" % (k or "{}", t, y, va[t])
    ties = bad_steps = 0
    if only_ref or only_got:
        # topk/bottomk: equal values may pick different series (implementation-defined order);
        # accept a timestamp whose multiset of values is the same in both answers
        by_t_ref, by_t_got = {}, {}
        for d, by_t in ((da, by_t_ref), (db, by_t_got)):
            for k, v in d.items():
                for t, x in v.items():
                    by_t.setdefault(t, []).append(x)
        for t in set(by_t_ref) | set(by_t_got):
            ka = {k for k in da if t in da[k]}
            kb = {k for k in db if t in db[k]}
            if ka == kb:
                continue
            if sorted(by_t_ref.get(t, [])) == sorted(by_t_got.get(t, [])):
                ties += 1
            else:
                bad_steps += 1
    if bad_steps:
        notes.append("%d steps return other series with other values" % bad_steps)
    if ties and not bad_steps and len(da) == len(db):
        only_ref = only_got = 0
    if only_ref:
        notes.append("%d points missing" % only_ref)
    if only_got:
        notes.append("%d extra points" % only_got)
    if bad:
        notes.append("%d of %d values off by > %g (worst %.2e, %s)" % (bad, n, tol, worst, worst_at))
    if notes:
        return False, "MISMATCH: " + "; ".join(notes)
    tie_note = "; %d steps pick other series among equal values" % ties if ties else ""
    return True, "match (%d series, %d values, max rel diff %.1e%s)" % (len(db), n, worst, tie_note)


def summary(args):
    res = {}
    for spec in args.results:
        name, path = spec.split("=", 1)
        if os.path.exists(path):
            res[name] = json.load(open(path))
    order = [s for s in ("sextant", "sextant-head", "vm", "prom") if s in res]
    queries = list(res[order[0]]["queries"]) if order else []
    hdr = ["query"] + ["%s ms" % LABELS[s] for s in order]
    have_s = "sextant" in res
    if have_s and "vm" in res:
        hdr.append("Sextant/VM")
    if have_s and "prom" in res:
        hdr.append("Sextant/Prom")
    if "vm" in res and "prom" in res:
        hdr.append("VM/Prom")
    cpu = [s for s in order if any(q.get("server_cpu_ms_per_query") is not None for q in res[s]["queries"].values())]
    hdr += ["%s CPU ms" % LABELS[s] for s in cpu]
    cpu_ratio = "sextant" in cpu and "vm" in cpu
    if cpu_ratio:
        hdr.append("Sextant/VM CPU")
    if have_s and "prom" in res:
        hdr.append("Sextant vs Prometheus")
    rows = []
    goal_fail = []
    mism = []

    def med(s, q):
        return res[s]["queries"].get(q, {}).get("median_ms")

    def ratio(a, b):
        return "n/a" if a is None or b is None or b == 0 else "%.2fx" % (a / b)

    for q in queries:
        row = [q] + ["%.1f" % med(s, q) if med(s, q) is not None else "n/a" for s in order]
        if have_s and "vm" in res:
            row.append(ratio(med("sextant", q), med("vm", q)))
            ranged = res["sextant"]["queries"].get(q, {}).get("kind") == "range"
            if ranged and None not in (med("sextant", q), med("vm", q)) and med("sextant", q) > med("vm", q):
                goal_fail.append(q)
        if have_s and "prom" in res:
            row.append(ratio(med("sextant", q), med("prom", q)))
        if "vm" in res and "prom" in res:
            row.append(ratio(med("vm", q), med("prom", q)))
        for s in cpu:
            c = res[s]["queries"].get(q, {}).get("server_cpu_ms_per_query")
            row.append("n/a" if c is None else "%.0f" % c)
        if cpu_ratio:
            row.append(ratio(res["sextant"]["queries"].get(q, {}).get("server_cpu_ms_per_query"),
                             res["vm"]["queries"].get(q, {}).get("server_cpu_ms_per_query")))
        if have_s and "prom" in res:
            if q in res["prom"]["queries"] and q in res["sextant"]["queries"]:
                ok, text = agreement(res["prom"]["queries"][q], res["sextant"]["queries"][q], args.tol)
                if not ok:
                    mism.append(q)
            else:
                text = "n/a"
            row.append(text)
        rows.append(row)

    def text_table():
        w = [max(len(str(r[i])) for r in [hdr] + rows) for i in range(len(hdr))]
        for r in [hdr] + rows:
            print("  ".join(str(c).ljust(w[i]) for i, c in enumerate(r)).rstrip())

    def md_table(f):
        f.write("| " + " | ".join(hdr) + " |\n|" + "---|" * len(hdr) + "\n")
        for r in rows:
            f.write("| " + " | ".join(str(c) for c in r) + " |\n")

    text_table()
    verdict = []
    if have_s and "vm" in res:
        verdict.append("Goal (issue 10, Sextant at or below VictoriaMetrics on every range query): %s" % (
            "met" if not goal_fail else "NOT met (%s)" % ", ".join(goal_fail)))
    if have_s and "prom" in res:
        verdict.append("Sextant's answers vs Prometheus' (relative tolerance %g): %s" % (
            args.tol, "all match" if not mism else "mismatches in %s" % ", ".join(mism)))
    print()
    for v in verdict:
        print(v)
    if args.md:
        with open(args.md, "a") as f:
            md_table(f)
            f.write("\n")
            for v in verdict:
                f.write("- %s\n" % v)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--query-bench", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                          "..", "..", "shared", "tools", "query_bench.py"))
    sp = ap.add_subparsers(dest="cmd", required=True)
    p = sp.add_parser("lp")
    p.add_argument("--url", required=True, help="http://HOST:PORT/v1/write/metric?token=...")
    p.add_argument("--file", required=True, help="query_bench.py's data.prom")
    p.add_argument("--batch", type=int, default=10000)
    p.add_argument("--conns", type=int, default=2)
    for c in ("bench", "verify"):
        sp.add_parser(c, add_help=False)
    s = sp.add_parser("summary")
    s.add_argument("results", nargs="+", help="NAME=FILE, NAME in sextant, sextant-head, vm, prom")
    s.add_argument("--tol", type=float, default=1e-6)
    s.add_argument("--md", help="append the Markdown table and verdicts to this file")
    args, rest = ap.parse_known_args()
    if args.cmd == "lp":
        return lp(args)
    if args.cmd == "summary":
        return summary(args)
    qb = load_query_bench(args.query_bench)
    with_token(qb)
    sys.argv = [args.query_bench, args.cmd] + rest
    qb.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
