"""The ``crmlab`` command: a thin argparse layer over :mod:`crmlab.report`.

``crmlab list`` shows the notebooks and their parameters; ``crmlab run`` executes them into a run
folder (see :func:`crmlab.report.run_notebooks` for the run folder and the failure policy);
``crmlab check FILE`` reads and profiles a transactions file without kernels (exit 1 with the
reader's error when the notebooks could not read it). For students, ``crmlab notebooks DIR``
copies the notebooks into a working folder and ``crmlab lab [DIR]`` opens JupyterLab there with a
kernel that has crmlab (:mod:`crmlab.lab`).

Exit codes: 0 success; 1 a notebook failed (the message names the notebook, the code cell and the
error, and where the failed run was kept), or a finished run was not in place after the final
rename; 2 a usage error found before any kernel started (unknown notebook or parameter, wrong type
or range, unusable ``--out`` or parameter file, an argument that is not UTF-8, another run writing
to the same ``--out``), with a one-line message; 130 interrupted by SIGINT, 143 by SIGTERM (the
run cleaned up after itself: no temporary folder, kernel or connection file is left).

For development and tests, ``--notebooks-dir DIR`` (not shown in ``--help``) or the environment
variable ``CRMLAB_NOTEBOOKS_DIR`` runs the notebooks of another folder.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Sequence
from typing import Any

from crmlab import __version__
from crmlab.errors import CrmlabError, ParameterError

__all__ = ["build_parser", "main"]

NOTEBOOKS_DIR_ENV = "CRMLAB_NOTEBOOKS_DIR"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``crmlab`` command."""
    parser = argparse.ArgumentParser(
        prog="crmlab",
        description="Run crmlab's parameterized notebooks into self-contained reports.",
    )
    parser.add_argument("--version", action="version", version=f"crmlab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    hidden = argparse.ArgumentParser(add_help=False)
    hidden.add_argument("--notebooks-dir", default=None, help=argparse.SUPPRESS)

    p_list = sub.add_parser(
        "list", parents=[hidden], help="list the notebooks and their parameters"
    )
    p_list.add_argument("--json", action="store_true", help="print JSON instead of text")

    p_run = sub.add_parser(
        "run",
        parents=[hidden],
        help="run notebooks into reports/<run-id>/ (or --out)",
        description=(
            "Run notebooks (all, in order, when none is named) into a run folder with, per "
            "notebook, the executed .ipynb, a full HTML report and a client HTML report without "
            "code, plus index.html and manifest.json. Parameters are checked before any notebook "
            "starts. If a notebook fails, the destination is left untouched and the run is kept "
            "in .failed/<run-id>/ next to it."
        ),
    )
    p_run.add_argument(
        "notebooks",
        nargs="*",
        metavar="NOTEBOOK",
        help="notebook stem (00_customer_base) or unique prefix (00); default: all",
    )
    p_run.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        default=[],
        help="set a parameter in every selected notebook declaring it (converted to its type; "
        "lists and dicts as YAML/JSON); repeatable",
    )
    p_run.add_argument(
        "--params",
        metavar="FILE.yaml",
        help="YAML file of name: value (all notebooks) or stem: {name: value} (one notebook)",
    )
    p_run.add_argument(
        "--out",
        metavar="DIR",
        help="run folder (new, empty, or a previous crmlab run folder holding only what crmlab "
        "wrote, replaced on success); default reports/<run-id>/ and reports/latest",
    )
    p_run.add_argument(
        "--execution-timeout",
        metavar="SECONDS",
        type=_seconds,
        default=None,
        help="fail a notebook whose cell runs longer than this (default: no limit)",
    )
    p_run.add_argument(
        "--dry-run",
        action="store_true",
        help="check parameters and write the notebooks with their parameters injected, "
        "without executing them",
    )
    p_run.add_argument(
        "--pdf",
        action="store_true",
        help="also print every client report to NN_name.client.pdf (A4) with headless "
        "Chromium (chromium, chromium-browser, google-chrome on PATH, or CRMLAB_CHROMIUM)",
    )
    p_run.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    _add_check(sub)
    _add_students(sub)
    return parser


# ---------------------------------------------------------------------------------------------
# crmlab notebooks DIR / crmlab lab [DIR]: a student's working folder and JupyterLab
# ---------------------------------------------------------------------------------------------


def _add_students(sub: Any) -> None:
    p_nb = sub.add_parser(
        "notebooks",
        help="copy the notebooks into a working folder of your own",
        description=(
            "Copy crmlab's notebooks (and nothing else) into DIR, created if needed, so you can "
            "edit and run them while the shipped ones stay as they are. Existing notebooks of "
            "the same name are not replaced without --force; nothing is ever deleted."
        ),
    )
    p_nb.add_argument("dir", metavar="DIR", help="working folder")
    p_nb.add_argument(
        "--force", action="store_true", help="replace notebooks of the same name in DIR"
    )
    p_lab = sub.add_parser(
        "lab",
        help="open JupyterLab in a folder with a kernel that has crmlab",
        description=(
            "Register the Jupyter kernel 'crmlab' for this Python (in your Jupyter data folder) "
            "if it is missing or points at another Python, then open JupyterLab in DIR "
            "(default: the current folder) with that kernel as the default."
        ),
    )
    p_lab.add_argument("dir", metavar="DIR", nargs="?", default=".", help="folder to open")
    p_lab.add_argument(
        "--no-browser", action="store_true", help="start the server without opening a browser"
    )


def _cmd_notebooks(args: argparse.Namespace) -> int:
    from crmlab.lab import copy_notebooks

    written = copy_notebooks(args.dir, force=args.force)
    for path in written:
        sys.stdout.write(f"{path}\n")
    _say(f"crmlab: {len(written)} notebooks in {args.dir}; open them with: crmlab lab {args.dir}")
    return 0


def _cmd_lab(args: argparse.Namespace) -> int:
    import signal
    import subprocess

    from crmlab import lab

    folder = lab.check_lab_folder(args.dir)
    if not any(folder.glob("[0-9][0-9]_*.ipynb")):
        _say(f"crmlab: no notebooks in {folder}; copy them with: crmlab notebooks {args.dir}")
    spec_dir, action = lab.ensure_kernel()
    if action != "present":
        _say(f"crmlab: {action} the Jupyter kernel '{lab.KERNEL_NAME}' in {spec_dir}")
    command = lab.lab_command(folder, ["--no-browser"] if args.no_browser else [])
    server = subprocess.Popen(command, cwd=folder, env=lab.lab_environment())
    # a SIGTERM to crmlab stops the server too; Ctrl-C reaches both (one process group) and
    # JupyterLab asks for its own confirmation, so crmlab waits for it
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: server.terminate())
    try:
        while True:
            try:
                return server.wait()
            except KeyboardInterrupt:
                continue
    finally:
        signal.signal(signal.SIGTERM, previous)


# ---------------------------------------------------------------------------------------------
# crmlab check FILE: read and validate a transactions file in seconds, without kernels
# ---------------------------------------------------------------------------------------------


def _add_check(sub: Any) -> None:
    from crmlab.io import read_options_help

    p_check = sub.add_parser(
        "check",
        help="read and validate a transactions file, without notebooks, and profile it",
        description=(
            "Read FILE as the notebooks do (same reader, options and messages) and print a "
            "profile: rows, customers, date range, total amount, returns, zero amounts, "
            "duplicates, the guessed delimiter, decimal mark and date format, and how the "
            "columns map. Exit 0 when the notebooks can read it, 1 with the reader's error "
            "when they cannot, 2 on bad arguments."
        ),
        epilog="reader options:\n" + read_options_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p_check.add_argument("file", metavar="FILE", help="CSV/Parquet file (or glob) of transactions")
    p_check.add_argument(
        "--columns",
        metavar="JSON",
        default=None,
        help='your column names -> crmlab\'s, e.g. \'{"Kunde": "customer_id"}\'',
    )
    p_check.add_argument(
        "--read-options",
        metavar="JSON",
        default=None,
        help='reader options, e.g. \'{"date_format": "%%Y%%m%%d", "decimal": ","}\'',
    )


def _json_argument(text: str | None, flag: str) -> dict[str, Any]:
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParameterError(
            f'{flag} expects a JSON object, e.g. {flag} \'{{"date_format": "%Y%m%d"}}\'; '
            f"{text!r} is not JSON ({exc.msg} at character {exc.pos})",
            parameter=flag,
        ) from None
    if not isinstance(value, dict):
        raise ParameterError(
            f"{flag} expects a JSON object ({{...}}), not {type(value).__name__} {text!r}",
            parameter=flag,
        )
    return value


def _cmd_check(args: argparse.Namespace) -> int:
    from crmlab.errors import DataError
    from crmlab.io import check_read_options
    from crmlab.io.profile import format_guess, format_profile, guess_format, profile_transactions

    columns = _json_argument(args.columns, "--columns")
    if any(not isinstance(t, str) for t in columns.values()):
        raise ParameterError("--columns maps your names to crmlab's names (strings)")
    options = check_read_options(_json_argument(args.read_options, "--read-options"))
    try:
        profile = profile_transactions(args.file, columns, options)
    except DataError as exc:
        guess = guess_format(args.file, columns, encoding=options.get("encoding"))
        lines = format_guess(guess)
        suggested = {k: x for k, x in guess.read_options().items() if k not in options}
        if suggested:
            lines.append(
                f"These lines suggest --read-options '{json.dumps({**options, **suggested})}'"
            )
        if lines:
            sys.stdout.write("\n".join([f"File: {args.file}", *lines]) + "\n")
        sys.stderr.write(f"crmlab check: {exc}\n")
        return 1
    sys.stdout.write(format_profile(profile))
    return 0


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expects a number of seconds > 0, got {text!r}")
    return value


def _notebooks_dir(args: argparse.Namespace) -> str | None:
    return args.notebooks_dir or os.environ.get(NOTEBOOKS_DIR_ENV) or None


def _value_text(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


def _cmd_list(args: argparse.Namespace) -> int:
    from crmlab.report import list_notebooks

    infos = list_notebooks(_notebooks_dir(args))
    if args.json:
        data = [
            {
                "notebook": nb.stem,
                "title": nb.title,
                "parameters": [
                    {
                        "name": p.name,
                        "type": p.type,
                        "default": p.default if p.literal else p.default_source,
                        "help": p.help,
                    }
                    for p in nb.parameters
                ],
            }
            for nb in infos
        ]
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return 0
    lines: list[str] = []
    for nb in infos:
        lines.append(f"{nb.stem}  {nb.title}")
        if not nb.parameters:
            lines.append("    (no parameters)")
        for p in nb.parameters:
            default = _value_text(p.default) if p.literal else p.default_source
            decl = f"    {p.name}: {p.type or 'any'} = {default}"
            lines.append(f"{decl:<52}  # {p.help}" if p.help else decl)
        lines.append("")
    sys.stdout.write("\n".join(lines))
    return 0


def _cmd_run(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from crmlab.report import load_parameter_file, run_notebooks

    file_values = load_parameter_file(args.params) if args.params else None
    result = run_notebooks(
        args.notebooks or None,
        file_values,
        out=args.out,
        notebooks_dir=_notebooks_dir(args),
        progress=not args.quiet,
        cli_parameters=[tuple(pair) for pair in args.parameter],
        command=["crmlab", *argv],
        raise_on_error=False,
        inputs=[args.params] if args.params else [],
        execution_timeout=args.execution_timeout,
        dry_run=args.dry_run,
        pdf=args.pdf,
    )
    if result.ok and args.dry_run:
        for nb in result.notebooks:
            sys.stdout.write(f"{result.run_dir / (nb.notebook + '.ipynb')}\n")
        return 0
    if result.ok:
        sys.stdout.write(f"{result.index}\n")
        return 0
    for nb in result.failed:
        sys.stderr.write(f"crmlab: {nb.error}\n")
    for line in result.failure_report().splitlines():
        sys.stderr.write(f"crmlab: {line}\n")
    return 1


def _say(text: str) -> None:
    """Write one line to stderr, whatever characters it holds (never a UnicodeEncodeError)."""
    encoding = getattr(sys.stderr, "encoding", None) or "utf-8"
    line = text.encode(encoding, "backslashreplace").decode(encoding, "replace")
    sys.stderr.write(line.replace("\n", " ") + "\n")


def _not_utf8(argv: Sequence[str]) -> str | None:
    """The message for the first argument that is not valid UTF-8 (None when all are)."""
    for i, arg in enumerate(argv, start=1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            return (
                f"argument {i} ({shown[:60]!r}) is not valid UTF-8 text; type it again, or "
                "rename the file it names to a UTF-8 name"
            )
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``crmlab`` command; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    bad = _not_utf8(argv)
    if bad is not None:
        _say(f"crmlab: error: {bad}")
        return 2
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "list":
            return _cmd_list(args)
        if args.command == "run":
            return _cmd_run(args, argv)
        if args.command == "check":
            return _cmd_check(args)
        if args.command == "notebooks":
            return _cmd_notebooks(args)
        if args.command == "lab":
            return _cmd_lab(args)
    except ParameterError as exc:
        _say(f"crmlab: error: {exc}")
        return 2
    except CrmlabError as exc:  # a run not in place after the final rename, ...
        _say(f"crmlab: {exc}")
        return 1
    except KeyboardInterrupt as exc:
        name = str(exc) or "SIGINT"
        _say(f"crmlab: interrupted ({name}); cleaned up, nothing was written")
        return 143 if name == "SIGTERM" else 130
    parser.print_help(sys.stderr)
    return 2
