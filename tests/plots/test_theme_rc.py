"""crmlab's stored theme equals seaborn's (it is stored so that the theme does not import seaborn)."""

from __future__ import annotations

import json
import subprocess
import sys

import seaborn as sns

from crmlab.plots import PALETTE
from crmlab.plots.base import _CONTEXT, _STYLE

_DUMP = """
import json, sys
import matplotlib as mpl
{setup}
print(json.dumps({{k: repr(v) for k, v in mpl.rcParams.items()}}))
"""


def _rc_after(setup: str) -> dict[str, str]:
    out = subprocess.run(
        [sys.executable, "-c", _DUMP.format(setup=setup)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_palette_is_seaborns_colorblind():
    assert [tuple(c) for c in sns.color_palette("colorblind")] == list(PALETTE)


def test_stored_style_and_context_are_seaborns():
    style = dict(sns.axes_style("whitegrid"))
    assert style.pop("image.cmap") == "rocket"  # left out: a seaborn-only colour map
    assert _STYLE == style
    assert _CONTEXT == dict(sns.plotting_context("notebook"))


def test_use_theme_sets_what_seaborn_set_theme_set():
    ours = _rc_after("import crmlab.plots as p\np.use_theme()\nassert 'seaborn' not in sys.modules")
    theirs = _rc_after(
        "import seaborn as sns\nfrom crmlab.plots.base import PALETTE, _RC\n"
        "sns.set_theme(style='whitegrid', palette=PALETTE, rc=_RC)"
    )
    differ = {k for k in ours if ours[k] != theirs[k]}
    assert differ == {"image.cmap"}
