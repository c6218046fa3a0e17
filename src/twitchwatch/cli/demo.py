"""`twitchwatch demo`: placeholder until the engine lands."""


def add_parser(subparsers):
    p = subparsers.add_parser("demo", help="run the built-in demo (no sensor needed)")
    p.set_defaults(func=run)


def run(args) -> int:
    return 0
