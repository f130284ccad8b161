"""Cold start and memory: a fresh process from import to the first answer, and the peak RSS
of a process that loads and answers every eval question."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

from assistant.evals.bench.common import child_env
from assistant.settings import PROJECT_ROOT

__all__ = ["bench_cold_start"]


_CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()


def peak_kb():
    # VmHWM: the peak RSS of this process's own memory. ru_maxrss is not it on Linux: a child
    # starts from its parent's high-water mark at fork and keeps it across exec.
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


from assistant.answer import Assistant
from assistant.settings import Settings
from assistant.records import Turn
t_import = time.perf_counter()
questions = json.loads(sys.stdin.read())
a = Assistant(Settings())
first = a.ask(questions[0][0], history=[Turn("user", h) for h in questions[0][1]])
t_first = time.perf_counter()
first_epoch = time.time()
rss_first = peak_kb()
ru_first = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
for q, h in questions[1:]:
    a.ask(q, history=[Turn("user", x) for x in h])
t_all = time.perf_counter()
print(json.dumps({"import_s": t_import - t0, "import_to_first_answer_s": t_first - t0,
                  "first_answer_epoch": first_epoch, "answers": len(questions),
                  "all_answers_s": t_all - t0, "abstained_first": first.abstained,
                  "rss_after_first_kb": rss_first,
                  "rss_peak_kb": peak_kb(), "ru_maxrss_after_first_kb": ru_first}))
"""


def bench_cold_start(s: Any, cases: Sequence[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A fresh process with an existing index: import -> load -> first answer, then every eval
    question, for the peak RSS of a process that loads and answers."""
    if s.embedding_backend == "onnx":
        # An existing index implies an existing export (ingest made it): the child finds the
        # shared one instead of exporting inside the measurement. Once per machine.
        from assistant.embed import export_onnx, resolve_model_dir

        export_onnx(resolve_model_dir(s.embedding_model), None, "int8")
    qs = [[c.question, list(c.history)] for c in cases]
    start = time.time()
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", _CHILD], env=child_env(s), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=PROJECT_ROOT)
    stdout, stderr = proc.communicate(json.dumps(qs), timeout=600)
    total = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"cold-start process failed: {stderr.strip()[-800:]}")
    child = json.loads(stdout.strip().splitlines()[-1])
    cold = {"spawn_to_first_answer_s": round(child["first_answer_epoch"] - start, 3),
            "import_s": round(child["import_s"], 3),
            "import_to_first_answer_s": round(child["import_to_first_answer_s"], 3),
            "process_total_s": round(total, 3)}
    t = time.perf_counter()
    cli = subprocess.run([sys.executable, "-m", "assistant", "ask", cases[0].question, "--json"],
                         env=child_env(s), capture_output=True, text=True, timeout=600, cwd=PROJECT_ROOT)
    cold["command_ask_s"] = round(time.perf_counter() - t, 3)
    if cli.returncode != 0:
        raise RuntimeError(f"assistant ask failed: {cli.stderr.strip()[-500:]}")
    memory = {"peak_rss_mb": round(child["rss_peak_kb"] / 1024, 1),
              "rss_after_first_answer_mb": round(child["rss_after_first_kb"] / 1024, 1),
              "answers": child["answers"],
              "ru_maxrss_mb_not_used": round(child["ru_maxrss_after_first_kb"] / 1024, 1),
              "method": "VmHWM (peak RSS) of a fresh process that loads the index and the model "
                        "and answers every eval question"}
    return cold, memory
