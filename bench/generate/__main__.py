"""``python -m bench.generate``: fill an empty database with benchmark data (see bench.generate)."""

import argparse
import sys

import bench.generate
from bench.generate import BENCH_ADMIN_PHONE, BENCH_PASSWORD, GenerateError, generate


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=bench.generate.__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url",
        required=True,
        help="an empty database, e.g. sqlite:////tmp/x.sqlite3 or postgresql://user@host/name",
    )
    parser.add_argument("--scale", type=int, default=100_000, help="number of audit entries (default 100000)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.scale < 1:
        parser.error("--scale must be at least 1")
    try:
        summary = generate(args.database_url, args.scale, args.seed, log=print)
    except GenerateError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    rows = ", ".join(f"{table} {count}" for table, count in summary["rows"].items())
    print(f"scale {args.scale}: {rows} in {summary['seconds']:.1f} s")
    print(f"log in with {BENCH_ADMIN_PHONE} / {BENCH_PASSWORD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
