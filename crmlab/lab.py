"""Students' working folder: the notebooks copied out, a Jupyter kernel with crmlab, JupyterLab.

``crmlab notebooks DIR`` (:func:`copy_notebooks`) copies crmlab's notebooks, and nothing else,
into a folder of the student's own, so that the originals stay as shipped; an existing file is
never replaced unless asked (``--force``) and nothing is ever deleted. ``crmlab lab [DIR]``
(:func:`ensure_kernel`, :func:`lab_command`) registers a Jupyter kernel named ``crmlab`` for
the interpreter running crmlab (in the user's Jupyter data folder, ``$JUPYTER_DATA_DIR`` when
set) when it is missing or points at another interpreter, and opens JupyterLab in the folder
with that kernel as the default, so every notebook runs where crmlab is installed.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from crmlab._paths import notebooks_dir
from crmlab.errors import ParameterError

__all__ = [
    "KERNEL_DISPLAY_NAME",
    "KERNEL_NAME",
    "check_lab_folder",
    "copy_notebooks",
    "ensure_kernel",
    "kernel_spec",
    "lab_command",
    "lab_environment",
    "shipped_notebooks",
]

#: Name and display name of the kernel ``crmlab lab`` registers.
KERNEL_NAME = "crmlab"
KERNEL_DISPLAY_NAME = "Python (crmlab)"


def shipped_notebooks() -> list[Path]:
    """crmlab's notebooks (``NN_name.ipynb``), in order."""
    return sorted(p for p in notebooks_dir().glob("[0-9][0-9]_*.ipynb") if p.is_file())


def copy_notebooks(folder: str | os.PathLike[str], *, force: bool = False) -> list[Path]:
    """Copy crmlab's notebooks into ``folder`` (created if needed) for a student to work in.

    Only the notebooks are copied (no data, reports or other files). The copies open with the
    ``crmlab`` kernel (their ``kernelspec`` metadata names it); their cells are the shipped ones.

    Parameters
    ----------
    folder : path
        The working folder.
    force : bool, default False
        Replace notebooks of the same name already in ``folder``. Without it, any such file
        stops the copy before anything is written. Other files are never touched or deleted.

    Returns
    -------
    list of Path
        The notebooks written.

    Raises
    ------
    ParameterError
        ``folder`` is a file, or holds notebooks of the same names and ``force`` is False.
    """
    import nbformat

    target = Path(folder).expanduser()
    if target.exists() and not target.is_dir():
        raise ParameterError(
            f"{target} is a file, not a folder; name a folder to copy the notebooks into.",
            parameter="DIR",
        )
    sources = shipped_notebooks()
    clashes = [target / s.name for s in sources if (target / s.name).exists()]
    if clashes and not force:
        names = ", ".join(p.name for p in clashes)
        raise ParameterError(
            f"{target} already holds {names}; nothing was copied. Work on those copies, pick "
            "another folder, or pass --force to replace them with fresh ones (your other files "
            "stay untouched).",
            parameter="DIR",
        )
    if any(c.is_dir() for c in clashes):
        bad = next(c for c in clashes if c.is_dir())
        raise ParameterError(f"{bad} is a folder; move it away first.", parameter="DIR")
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sources:
        nb = nbformat.read(source, as_version=4)
        nb.metadata["kernelspec"] = {
            "name": KERNEL_NAME,
            "display_name": KERNEL_DISPLAY_NAME,
            "language": "python",
        }
        destination = target / source.name
        partial = destination.with_name(f".{destination.name}.crmlab-partial")
        nbformat.write(nb, partial)
        os.replace(partial, destination)
        written.append(destination)
    return written


def kernel_spec(python: str | None = None) -> dict:
    """The ``kernel.json`` of the ``crmlab`` kernel: ipykernel on ``python`` (default: the
    interpreter running crmlab)."""
    return {
        "argv": [python or sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": KERNEL_DISPLAY_NAME,
        "language": "python",
        "metadata": {"debugger": True},
    }


def ensure_kernel() -> tuple[Path, str]:
    """Register the ``crmlab`` kernel for this interpreter unless it already is.

    The kernelspec goes to the user's Jupyter data folder (``jupyter --data-dir``, i.e.
    ``$JUPYTER_DATA_DIR/kernels/crmlab`` when that variable is set). A ``crmlab`` kernel found
    anywhere Jupyter looks that starts this interpreter is kept; one that starts another
    interpreter (a stale environment, without this crmlab) is replaced in the user folder.

    Returns
    -------
    (Path, str)
        The kernelspec folder and what was done: ``"present"``, ``"registered"`` or
        ``"updated"`` (it pointed at another interpreter).
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    manager = KernelSpecManager()
    action = "registered"
    try:
        spec = manager.get_kernel_spec(KERNEL_NAME)
    except NoSuchKernel:
        spec = None
    if spec is not None:
        if spec.argv and _same_python(spec.argv[0], sys.executable):
            return Path(spec.resource_dir), "present"
        action = "updated"
    folder = Path(manager.user_kernel_dir) / KERNEL_NAME
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / "kernel.json.crmlab-partial"
    partial.write_text(json.dumps(kernel_spec(), indent=1) + "\n", encoding="utf-8")
    os.replace(partial, folder / "kernel.json")
    return folder, action


def _same_python(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def lab_command(folder: str | os.PathLike[str], extra: Sequence[str] = ()) -> list[str]:
    """The command that opens JupyterLab in ``folder`` with the ``crmlab`` kernel as default.

    As root (a container's usual user) JupyterLab refuses to start without ``--allow-root``,
    which is then added.
    """
    root = hasattr(os, "geteuid") and os.geteuid() == 0
    return [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={Path(folder).resolve()}",
        f"--MappingKernelManager.default_kernel_name={KERNEL_NAME}",
        *(["--allow-root"] if root else []),
        *extra,
    ]


def lab_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment JupyterLab starts with: the caller's, minus ``MPLBACKEND`` (a headless
    backend inherited by the kernels would strip every figure from the notebooks)."""
    env = dict(os.environ if base is None else base)
    env.pop("MPLBACKEND", None)
    return env


def check_lab_folder(folder: str | os.PathLike[str]) -> Path:
    """``folder`` as a Path; it must be an existing folder (raises ParameterError)."""
    path = Path(folder).expanduser()
    if not path.is_dir():
        raise ParameterError(
            f"{path} is not a folder; copy the notebooks there first with "
            f"`crmlab notebooks {folder}`.",
            parameter="DIR",
        )
    return path
