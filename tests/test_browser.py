"""Open a client report in headless Chromium, offline: figures render, the page is not blank.

Skipped when Chromium is missing, unless ``CRMLAB_REQUIRE_BROWSER=1`` (set by ``.ci/run``).
"""

from __future__ import annotations

import base64
import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import matplotlib.image as mpimg  # reads PNGs; draws nothing, so no backend is chosen
import pytest

from crmlab.report import run_notebooks

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "/usr/bin/chromium"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CRMLAB_REQUIRE_BROWSER") == "1":
        pytest.fail("CRMLAB_REQUIRE_BROWSER=1 but no chromium on PATH")
    pytest.skip("headless Chromium not installed (apt-get install chromium)")


def _browse(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # offline: any network fetch would fail
        f"--user-data-dir={profile}",
    ]
    return subprocess.run(
        [browser, *flags, *args], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def client_report(tmp_path_factory):
    browser = _chromium()
    root = tmp_path_factory.mktemp("browser")
    result = run_notebooks(["00"], out=root / "run", notebooks_dir=FIXTURES, progress=False)
    return browser, root, result.run_dir / "00_good.client.html"


def test_rendered_images_are_inline_pngs(client_report):
    browser, root, page = client_report
    proc = _browse(browser, root / "profile-dom", "--dump-dom", page.as_uri())
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    assert "crmlab-header" in dom  # the page was rendered, not an error page
    sources = re.findall(r"<img\b[^>]*\bsrc=\"([^\"]*)\"", dom)
    assert sources, "no <img> in the rendered client report"
    for src in sources:
        assert src.startswith("data:image/png;base64,")
        pixels = mpimg.imread(io.BytesIO(base64.b64decode(src.split(",", 1)[1])), format="png")
        assert pixels.shape[0] > 50 and pixels.shape[1] > 50
        assert pixels.std() > 0.01


def test_screenshot_is_not_blank(client_report):
    browser, root, page = client_report
    shot = root / "client.png"
    proc = _browse(
        browser,
        root / "profile-shot",
        f"--screenshot={shot}",
        "--window-size=1200,2000",
        page.as_uri(),
    )
    assert shot.is_file(), proc.stderr[-2000:]
    pixels = mpimg.imread(shot)
    assert pixels.shape[:2] == (2000, 1200)
    assert pixels[..., :3].std() > 0.02
    # the figure (a blue line) is drawn: some clearly blue pixels
    r, b = pixels[..., 0], pixels[..., 2]
    assert ((b > 0.5) & (r < 0.3) & (b - r > 0.3)).sum() > 50
