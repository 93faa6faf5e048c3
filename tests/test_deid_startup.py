"""Start-up of a de-identification run stays cheap (issue 18): the run's module does not
load pandas, and local workers inherit the run's ready engine instead of building one."""
from __future__ import annotations

import subprocess
import sys


from curator.deid import run
from curator.deid.profile import load_profile

KEY = b"startup-test-key-0123456789abcdef"


def test_importing_the_run_does_not_load_pandas() -> None:
    code = "import sys, curator.deid.run; print('pandas' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_a_ready_process_keeps_its_engine_until_the_settings_change(monkeypatch) -> None:
    monkeypatch.setattr(run, "_ENGINE", None)
    monkeypatch.setattr(run, "_FAST", None)
    monkeypatch.setattr(run, "_READY", None)
    profile = load_profile("research")
    run._init_worker(profile, KEY, False)
    engine = run._ENGINE
    assert engine is not None and run._FAST is not None
    run._init_worker(profile, KEY, False, quiet=False)  # a forked worker: same settings, nothing rebuilt
    assert run._ENGINE is engine
    run._init_worker(profile, KEY[::-1], False)  # other settings: a new engine
    assert run._ENGINE is not engine
    assert run._ENGINE.pseudo.patient("x") != engine.pseudo.patient("x")
