"""`python -m shopmind_common.models prepare`: convert packaged models once, at setup time."""

from __future__ import annotations

import argparse
import logging
import sys

from shopmind_common.models.builtin import prepare
from shopmind_common.models.settings import ModelSettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shopmind_common.models")
    sub = parser.add_subparsers(dest="command", required=True)
    prep = sub.add_parser("prepare", help="convert the packaged GGUF to a cached checkpoint")
    prep.add_argument("--cache-dir", default=None, help="default: MODEL_CACHE_DIR")
    prep.add_argument("--force", action="store_true", help="convert again even if cached")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.command == "prepare":
        cache_dir = args.cache_dir or ModelSettings().cache_dir
        print(prepare(cache_dir, force=args.force))
    return 0


if __name__ == "__main__":
    sys.exit(main())
