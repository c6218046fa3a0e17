"""`twitchwatch simulate`: placeholder until the simulator lands."""


def add_parser(subparsers):
    p = subparsers.add_parser("simulate", help="simulate surface EMG")
    p.set_defaults(func=run)


def run(args) -> int:
    return 0
