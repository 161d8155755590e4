"""Stand-ins for modules great-expectations imports and our suites never use."""

from __future__ import annotations

import subprocess
import sys


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_deferred_module_loads_on_first_use_and_answers_as_itself():
    out = _run(
        "import json, sys\n"
        "from orchestration.quality.deferred_imports import defer\n"
        "defer('colorsys'); defer('no_such_module_anywhere'); defer('json')\n"
        "import colorsys\n"
        "stand_in = sys.modules['colorsys']\n"
        "early = 'rgb_to_hsv' in vars(stand_in)\n"
        "print(early, colorsys.rgb_to_hsv(1, 0, 0), sys.modules['colorsys'] is not stand_in,\n"
        "      'no_such_module_anywhere' in sys.modules, sys.modules['json'] is json)"
    )
    assert out == "False (0.0, 1.0, 1) True False True"


def test_validating_leaves_scipy_stats_and_altair_unloaded_and_still_validates():
    out = _run(
        "import sys, pandas as pd\n"
        "from orchestration.quality import suites\nfrom orchestration.quality.suites import validate\n"
        "gxe = suites._expectations()\n"
        "frame = pd.DataFrame({'amount': [1.0, None]})\n"
        "outcome = validate(frame, 'probe', [gxe.ExpectColumnValuesToNotBeNull(column='amount')])\n"
        "print(outcome.success, outcome.failed, 'scipy.stats._stats_py' in sys.modules,\n"
        "      'altair.vegalite' in sys.modules)\n"
        "from scipy import stats\n"
        "print(round(float(stats.entropy([0.5, 0.5])), 4), 'scipy.stats._stats_py' in sys.modules)"
    )
    first, second = out.splitlines()[-2:]
    assert first.startswith("False ") and first.endswith(" False False"), first
    assert second == "0.6931 True"
