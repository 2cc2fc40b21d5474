"""Run the back-office simulator: python -m adapters.simulator --port 8100 --customers 1000."""

import argparse
import os
import tempfile
from datetime import date

from adapters.simulator.server import Estate, make_server
from adapters.simulator.usage import earliest_anchor


def anchor_day(value: str) -> date:
    day = date.fromisoformat(value)
    if day < earliest_anchor():
        raise argparse.ArgumentTypeError(f"usage feeds start on {earliest_anchor()}")
    return day


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--db", default=os.path.join(tempfile.gettempdir(), "overlay-simulator.sqlite3"))
    parser.add_argument("--api-key", default=os.environ.get("SIMULATOR_API_KEY", "simulator-key"))
    parser.add_argument("--fresh", action="store_true", help="Forget earlier changes.")
    parser.add_argument(
        "--usage-until",
        type=anchor_day,
        metavar="YYYY-MM-DD",
        help="Usage feeds hold what was received in the 13 weeks before this day (default: today, UTC).",
    )
    args = parser.parse_args()
    if args.fresh and os.path.exists(args.db):
        os.remove(args.db)
    estate = Estate(
        seed=args.seed, customers=args.customers, db_path=args.db, api_key=args.api_key, usage_until=args.usage_until
    )
    server = make_server(args.host, args.port, estate)
    print(
        f"[simulator] {args.customers} customers (seed {args.seed}) on http://{args.host}:{server.server_port}",
        flush=True,
    )
    server.serve_forever()


if __name__ == "__main__":
    main()
