"""Client reports as PDF: headless Chromium prints ``NN_name.client.html`` on A4.

The browser is found before any kernel starts (:func:`find_browser`): ``CRMLAB_CHROMIUM`` when
set, else ``chromium``, ``chromium-browser`` or ``google-chrome`` on ``PATH``. The page size,
margins, running header (client name and title) and page numbers come from the client
template's ``@page`` rules, so Chromium's own header and footer (date, file path) are off.
The printing browser is offline: every network request fails, as a client's copy would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from crmlab.errors import ParameterError

__all__ = ["BROWSERS", "ENV", "find_browser", "print_pdf"]

#: Environment variable naming the browser executable.
ENV = "CRMLAB_CHROMIUM"
#: Executables looked up on ``PATH``, in order.
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
#: Longest time one page may take to print, seconds.
TIMEOUT_S = 180


def find_browser() -> str:
    """The headless Chromium to print with; a one-line ParameterError when there is none."""
    given = os.environ.get(ENV, "").strip()
    if given:
        found = shutil.which(given)
        if found:
            return found
        raise ParameterError(
            f"{ENV}={given!r} is not an executable browser; point it at chromium or "
            "google-chrome, or unset it",
            parameter="pdf",
        )
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise ParameterError(
        "--pdf needs headless Chromium and none was found on PATH (chromium, chromium-browser, "
        f"google-chrome); install one (e.g. apt-get install chromium) or set {ENV}",
        parameter="pdf",
    )


def print_pdf(html: Path, pdf: Path, browser: str | None = None) -> Path:
    """Print ``html`` to ``pdf`` (A4 from the page's ``@page`` rule); returns ``pdf``.

    Raises
    ------
    RuntimeError
        The browser failed or wrote no PDF (its last output lines are in the message).
    """
    exe = browser or find_browser()
    with tempfile.TemporaryDirectory(prefix="crmlab-pdf-") as profile:
        cmd = [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            Path(html).absolute().as_uri(),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    if proc.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        tail = " ".join((proc.stderr or "").strip().splitlines()[-3:])
        raise RuntimeError(f"{exe} could not print {Path(html).name} to PDF: {tail}")
    return pdf
