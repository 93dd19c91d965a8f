"""The figures of a load and of a row, from what was counted: pure functions, no I/O.

A *load* is one closed-loop measurement of one path: requests answered, seconds, the latency of every
request, the server's CPU ticks spent ("app": gunicorn's workers, "db": PostgreSQL's backends) and the
client's own CPU seconds. A *row* is a page measured in rounds against its floor (a load of each per round).
"""

import statistics

from bench.run.cpu import ticks_to_ms


def per_request(total, requests):
    return total / requests if requests else None


def percentile(values, fraction):
    """The value under which ``fraction`` of ``values`` lie (nearest rank, no interpolation)."""
    ordered = sorted(values)
    return ordered[int(fraction * (len(ordered) - 1))] if ordered else None


def load_figures(load):
    """The per-request figures of one load (milliseconds): server CPU (app + db, and each), client CPU."""
    requests = load["requests"]
    app_ms, db_ms = ticks_to_ms(load["cpu_ticks"]["app"]), ticks_to_ms(load["cpu_ticks"]["db"])
    return {
        "requests": requests,
        "seconds": round(load["seconds"], 3),
        "rps": round(requests / load["seconds"], 1) if load["seconds"] else None,
        "cpu_ms": rounded(per_request(app_ms + db_ms, requests)),
        "app_cpu_ms": rounded(per_request(app_ms, requests)),
        "db_cpu_ms": rounded(per_request(db_ms, requests)),
        "client_cpu_ms": rounded(per_request(load["client_cpu_s"] * 1000, requests)),
    }


def rounded(value, digits=3):
    return None if value is None else round(value, digits)


def median_of(rounds, key):
    values = [figures[key] for figures in rounds if figures[key] is not None]
    return statistics.median(values) if values else None


def cpu_ratio(floor_rounds, page_rounds):
    """Median over the rounds of the floor's CPU ms per request, divided by the median of the page's: 1.0 is
    a page that costs the server no more than its floor, 0.5 one that costs twice as much."""
    floor, page = median_of(floor_rounds, "cpu_ms"), median_of(page_rounds, "cpu_ms")
    if floor is None or not page:
        return None
    return floor / page


def summarise(loads):
    """The figures of several loads of one path, together: req/s over all of them, latency percentiles of
    every request, the medians of the per-load CPU figures, the X-Query-Count values seen."""
    requests = sum(load["requests"] for load in loads)
    seconds = sum(load["seconds"] for load in loads)
    latencies = [value for load in loads for value in load["latencies"]]
    rounds = [load_figures(load) for load in loads]
    return {
        "requests": requests,
        "seconds": round(seconds, 3),
        "rps": round(requests / seconds, 1) if seconds else None,
        "p50_ms": rounded(percentile(latencies, 0.5) * 1000, 2) if latencies else None,
        "p95_ms": rounded(percentile(latencies, 0.95) * 1000, 2) if latencies else None,
        "cpu_ms": rounded(median_of(rounds, "cpu_ms")),
        "app_cpu_ms": rounded(median_of(rounds, "app_cpu_ms")),
        "db_cpu_ms": rounded(median_of(rounds, "db_cpu_ms")),
        "client_cpu_ms": rounded(median_of(rounds, "client_cpu_ms")),
        "rounds": rounds,
    }
