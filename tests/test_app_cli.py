"""``assistant app`` and the Streamlit config: local-only, headless, no usage statistics.
(The command is run for real by the browser tests, which start every server with it.)"""

from __future__ import annotations

import subprocess
import sys
import tomllib

from assistant.settings import PROJECT_ROOT


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    import os

    full = {**os.environ, **env}
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True,
                          text=True, env=full, cwd=PROJECT_ROOT, timeout=120)


def test_config_is_local_headless_and_silent():
    cfg = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    assert cfg["server"]["address"] == "127.0.0.1"
    assert cfg["server"]["headless"] is True
    assert cfg["browser"]["gatherUsageStats"] is False


def test_app_command_binds_to_settings_host_and_port():
    out = _run("app", "--print-command")
    assert out.returncode == 0, out.stderr
    cmd = out.stdout.split()
    assert cmd[1:5] == ["-m", "streamlit", "run", str(PROJECT_ROOT / "app.py")]
    flags = dict(zip(cmd[5::2], cmd[6::2]))
    assert flags["--server.address"] == "127.0.0.1" and flags["--server.port"] == "8501"
    assert flags["--server.headless"] == "true"
    assert flags["--browser.gatherUsageStats"] == "false"

    out = _run("app", "--print-command", ASSISTANT_APP_HOST="0.0.0.0", ASSISTANT_APP_PORT="9100")
    flags = dict(zip(out.stdout.split()[5::2], out.stdout.split()[6::2]))
    assert flags["--server.address"] == "0.0.0.0" and flags["--server.port"] == "9100"
    out = _run("app", "--print-command", "--host", "127.0.0.1", "--port", "9200")
    assert "--server.port 9200" in out.stdout


def test_bad_port_is_one_line_error():
    out = _run("app", "--port", "70000")
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: port 70000 is out of range")
