"""`twitchwatch analyze`: placeholder until the engine lands."""


def add_parser(subparsers):
    p = subparsers.add_parser("analyze", help="analyse recordings")
    p.set_defaults(func=run)


def run(args) -> int:
    return 0
