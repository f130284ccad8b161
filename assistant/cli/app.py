"""``assistant app``: serve the Streamlit app (``streamlit run app.py``) on Settings.app_host /
app_port, 127.0.0.1:8501 by default, headless and without usage statistics."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from typing import Any

from assistant.errors import ConfigError

__all__ = ["register", "app_command"]


def app_command(host: str, port: int) -> list[str]:
    from assistant.settings import PROJECT_ROOT

    app = PROJECT_ROOT / "app.py"
    if not app.is_file():
        raise ConfigError(f"{app} is missing; run the command from a checkout of the project")
    # The flags repeat .streamlit/config.toml: Streamlit reads that file from the working
    # directory only, and the app must be local-only and silent from any directory (without
    # a chdir, which would change what relative ASSISTANT_* paths mean).
    return [sys.executable, "-m", "streamlit", "run", str(app),
            "--server.address", host, "--server.port", str(port),
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none", "--server.runOnSave", "false",
            "--client.showErrorDetails", "none", "--client.toolbarMode", "minimal"]


def cmd_app(args: argparse.Namespace) -> int:
    from assistant.settings import get_settings

    s = get_settings()
    host = args.host or s.app_host
    port = args.port or s.app_port
    if not 0 < port < 65536:
        raise ConfigError(f"port {port} is out of range; use 1-65535")
    cmd = app_command(host, port)
    if args.print_command:
        print(" ".join(cmd))
        return 0
    if s.database_url is not None:
        # PostgreSQL: a wrong password or an unreachable host is one line now, not a page
        # error later; the schema migrations run once here too.
        from assistant.store import Store

        Store.from_settings(s).close()
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: serving on {host}: anyone who can reach this machine can use the app "
              "and read its study data", file=sys.stderr)
    print(f"serving the app on http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port} "
          "(Ctrl+C stops it)", file=sys.stderr)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model ships in a package: never download
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    sys.stdout.flush()
    sys.stderr.flush()
    if hasattr(os, "execv"):
        # Become the server: Ctrl+C and SIGTERM reach Streamlit directly, no orphaned child.
        os.execv(cmd[0], cmd)
    try:  # pragma: no cover - platforms without exec
        return subprocess.call(cmd)
    except KeyboardInterrupt:  # pragma: no cover
        return 130


def register(sub: Any) -> None:
    p = sub.add_parser("app", help="serve the study app in the browser",
                       description="Start the Streamlit app (chat, flashcards, quiz, progress, "
                                   "tutor review, evals, documents). Builds the index on first "
                                   "start. Binds to 127.0.0.1 unless told otherwise.")
    p.add_argument("--host", default=None,
                   help="address to bind (default: ASSISTANT_APP_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, default=None,
                   help="port (default: ASSISTANT_APP_PORT or 8501)")
    p.add_argument("--print-command", action="store_true",
                   help="print the streamlit command instead of running it")
    p.set_defaults(func=cmd_app)
