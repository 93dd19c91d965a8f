"""The checks of the measured rows against their targets, the tables printed at the end, the JSON results."""

import json
import os
import platform
from datetime import UTC, datetime
from urllib.parse import unquote

from bench.run import log
from bench.run.pages import DEFAULT_MIN_RATIO, FLOOR


def check(runs, pages, strict=False):
    """The failures: ratios under their minimum, too many queries, counts that change with scale.

    A page whose ``min_ratio`` is None is only reported against ``DEFAULT_MIN_RATIO``, unless ``strict``.
    """
    failures = []
    by_name = {page["name"]: page for page in pages}
    for run in runs:
        for row in run["pages"]:
            page = by_name[row["name"]]
            minimum = page.get("min_ratio", DEFAULT_MIN_RATIO)
            row["min_ratio"] = DEFAULT_MIN_RATIO if minimum is None and strict else minimum
            row["max_queries"] = page.get("max_queries")
            problems, notes = [], []
            if not run["counts_only"]:
                if row["min_ratio"] is not None and row["ratio"] < row["min_ratio"]:
                    problems.append(f"ratio {row['ratio']:.3f} < {row['min_ratio']:.2f}")
                elif row["min_ratio"] is None and row["ratio"] < DEFAULT_MIN_RATIO:
                    notes.append(f"below the {DEFAULT_MIN_RATIO:.2f} target (not enforced)")
            if row["max_queries"] is not None and row["queries"] > row["max_queries"]:
                problems.append(f"{row['queries']} queries > {row['max_queries']}")
            if len(row["queries_seen"]) > 1:
                problems.append(f"query count varies between requests: {row['queries_seen']}")
            twin = page.get("same_queries_as")
            twin_row = next((r for r in run["pages"] if r["name"] == twin), None)
            if twin_row is not None and twin_row["queries"] != row["queries"]:
                problems.append(f"{row['queries']} queries, but {twin_row['queries']} for {twin}")
            row["problems"], row["notes"] = problems, notes
            failures += [f"scale {run['scale']}: {row['name']} ({row['path']}): {p}" for p in problems]
    if len(runs) > 1:
        for name in [FLOOR["name"]] + [page["name"] for page in pages]:
            counts = {run["scale"]: query_count(run, name) for run in runs}
            if len(set(counts.values())) > 1:
                seen = ", ".join(f"{count} at scale {scale}" for scale, count in counts.items())
                failures.append(f"{name}: SQL queries per request change with scale: {seen}")
    return failures


def query_count(run, name):
    if name == FLOOR["name"]:
        return run["floor"]["queries"]
    return next(row["queries"] for row in run["pages"] if row["name"] == name)


def print_report(runs, pages, failures):
    w_name = max([16] + [len(page["name"]) for page in pages])
    for run in runs:
        if run["counts_only"]:
            continue
        floor = run["floor"]
        w_path = max([16] + [len(unquote(row["path"])) for row in run["pages"]])
        log()
        log(
            f"scale {run['scale']} (generated in {run['generated']['seconds']:.1f} s); floor {floor['path']}: "
            f"{floor['rps']:.1f} req/s over all rounds, {floor['queries']} queries"
        )
        header = (
            f"{'page':<{w_name}} {'path':<{w_path}} {'req/s':>8} {'floor req/s':>11} {'ratio':>6} {'min':>5} "
            f"{'SQL/req':>7} {'p50 ms':>7} {'p95 ms':>7}  result"
        )
        log(header)
        log("-" * len(header))
        for row in run["pages"]:
            minimum = "-" if row["min_ratio"] is None else f"{row['min_ratio']:.2f}"
            result = "; ".join(row["notes"]) or "ok"
            if row["problems"]:
                result = "FAIL: " + "; ".join(row["problems"] + row["notes"])
            log(
                f"{row['name']:<{w_name}} {unquote(row['path']):<{w_path}} {row['rps']:>8.1f} "
                f"{row['floor_rps']:>11.1f} {row['ratio']:>6.3f} {minimum:>5} {row['queries']:>7} "
                f"{row['p50_ms']:>7.1f} {row['p95_ms']:>7.1f}  {result}"
            )
    if len(runs) > 1:
        log()
        log(
            "SQL queries per request by scale"
            + (" (the smallest scale: counted, not timed)" if runs[0]["counts_only"] else "")
        )
        scales = [run["scale"] for run in runs]
        log(f"{'page':<{w_name}} " + " ".join(f"{scale:>10}" for scale in scales) + "  result")
        for name in [FLOOR["name"]] + [page["name"] for page in pages]:
            counts = [query_count(run, name) for run in runs]
            result = "ok" if len(set(counts)) == 1 else "FAIL: changes with scale"
            log(f"{name:<{w_name}} " + " ".join(f"{count:>10}" for count in counts) + f"  {result}")
    log()
    if failures:
        log(f"FAILED ({len(failures)}):")
        for failure in failures:
            log(f"  - {failure}")
    else:
        log("all targets met")


def write_json(path, runs, failures, args, database="sqlite"):
    document = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()},
        "settings": {
            "threads": args.threads,
            "workers": args.workers,
            "duration": args.duration,
            "warmup": args.warmup,
            "rounds": args.rounds,
            "max_requests": args.max_requests,
            "strict": args.strict,
            "database": database,
        },
        "runs": runs,
        "failures": failures,
        "ok": not failures,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
