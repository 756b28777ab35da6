"""How factcheck scales with a story's outlets: calls, tokens, wall time and overhead per cluster.

Run: .venv/bin/python benchmarks/scaling.py   (offline; about a minute; not a test)

Clusters of 2, 5, 10, 20 and 50 articles of one story: the five articles of
examples/harbour-fire over and over, each copy with its paragraphs in a different (seeded)
order and its own id, so a cluster tells one story of fixed size however many outlets it has.
They are checked through the full LLM pipeline (extract, merge, check) against a stub on
127.0.0.1, in its own process: tests/scripted_stub.py's rules (a fixture, not a model: its
answers mean nothing), extracting every sentence as a claim as a model extracting every claim
would, and answering each call after a fixed latency. Token counts are o200k_base (tiktoken)
counts of each request and answer, done by the stub; every run starts from an empty response
store, so every call is paid for.

Per size it prints: calls; input and output tokens; wall time against the ideal of three call
latencies (one per wave: extract, merge, check); factcheck's own CPU time per cluster (the
model's time is the stub's, in the other process); and what verifying the same (claim,
article) pairs one call each would cost, the way FActScore and SAFE verify: each pair's
prompt is its article's check prompt with that one claim, its answer one full verdict.
Goals (issue 14) are printed beside the figures.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the stub lives in tests/, beside the package

from factcheck import LLM, ModelConfig, ResponseStore, check_cluster  # noqa: E402
from factcheck.llm.prices import PriceTable  # noqa: E402
from factcheck.models import Cluster  # noqa: E402
from factcheck.stages.clean import clean  # noqa: E402
from factcheck.stages.load import load_cluster  # noqa: E402
from tests.scripted_stub import (  # noqa: E402
    ScriptedStub,
    detect_stage,
    first_user_message,
    parse_claims,
)

MODEL = "scripted-stub"  # a fixture's name: the answers are the scripted stub's rules
SIZES = (2, 5, 10, 20, 50)
LATENCY = 0.5
REPEATS = 3
CONCURRENCY = 64  # every call of a wave in flight at once (the default is 8)
STORY = ROOT / "examples" / "harbour-fire"
# The goals of issue 14.
WALL_GOAL = 1.10  # wall time at most three latencies plus 10%
OVERHEAD_GOAL_MS = 50  # factcheck's own CPU time per five-article cluster
TOKENS_GOAL = 15  # times fewer tokens than one call per (claim, article)


# --- the stub, in its own process ------------------------------------------------------------


class LatencyStub(ScriptedStub):
    """The scripted stub, answering each call ``latency`` seconds after it arrived.

    Its own work is inside the latency, so a call takes the same time however much the stub
    computes. Usage is counted with o200k_base; each check call's sizes go to ``stats``.
    """

    def __init__(self, latency: float, stats: Path) -> None:
        super().__init__(port=0, extract_count=1000)
        from factcheck.llm.tokens import tokenizer_for

        self.latency = latency
        self.stats = stats
        self.tokens = tokenizer_for("gpt-4o")  # o200k_base

    def answer(self, raw: bytes) -> tuple[int, dict[str, Any], dict[str, str]]:
        """Answer by the stub's rules, with o200k usage, no sooner than ``latency``."""
        arrived = time.monotonic()
        status, document, headers = super().answer(raw)
        request = json.loads(raw)
        message = document["choices"][0]["message"]
        content = message["content"] or message["tool_calls"][0]["function"]["arguments"]
        prompt = self.tokens.count_request(request)
        output = self.tokens.count(content)
        document["usage"] = {"prompt_tokens": prompt, "completion_tokens": output,
                             "total_tokens": prompt + output}  # fmt: skip
        user = first_user_message(request)
        line: dict[str, Any] = {"stage": detect_stage(request, raw.decode("utf-8"), user)}
        if line["stage"] == "CheckAnswer":
            line |= self._check_sizes(user, prompt, json.loads(content))
        line["busy"] = time.monotonic() - arrived  # the stub's own time, within the latency
        with self._lock, self.stats.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")
        time.sleep(max(0.0, self.latency - (time.monotonic() - arrived)))
        return status, document, headers

    def _check_sizes(self, user: str, prompt: int, answer: dict) -> dict[str, Any]:
        """A check call's prompt, the tokens of its claim lines, and each full verdict's."""
        claims = parse_claims(user[user.rfind("</article>") :])
        claim_tokens = sum(self.tokens.count(f"{i}: {t}\n") for i, t, _ in claims)
        verdicts = [self.tokens.count(json.dumps({"found": [f], "not_mentioned": []}))
                    for f in answer.get("found", [])]  # fmt: skip
        return {"prompt": prompt, "claims": len(claims), "claim_tokens": claim_tokens,
                "verdicts": verdicts}  # fmt: skip


def serve(latency: float, stats: Path) -> None:
    """Run the stub until stdin closes; print its URL first."""
    stub = LatencyStub(latency, stats).start()
    print(stub.base_url, flush=True)
    sys.stdin.read()
    stub.stop()


# --- the clusters ----------------------------------------------------------------------------


def story(size: int) -> Cluster:
    """``size`` articles of the harbour-fire story: its five, again and again, reordered."""
    sources = load_cluster(STORY).articles
    articles = []
    for n in range(size):
        source = sources[n % len(sources)]
        paragraphs = source.text.split("\n\n")
        if n >= len(sources):
            random.Random(n).shuffle(paragraphs)
        text = "\n\n".join(paragraphs)
        articles.append(source.model_copy(update={"id": f"{n:02d}_{source.id}", "text": text}))
    # Offsets moved with the paragraphs: mark the boilerplate again.
    return Cluster(id=f"harbour-fire-{size}", name=f"harbour fire, {size} outlets",
                   articles=[clean(a) for a in articles])  # fmt: skip


# --- one run ---------------------------------------------------------------------------------


@dataclass
class Row:
    """One cluster size's figures (times: the median of the repeats)."""

    size: int
    calls: int
    merge_calls: int
    claims: int
    input_tokens: int
    output_tokens: int
    wall: float
    cpu: float
    pair_calls: int
    pair_input: int
    pair_output: int
    stub_busy: float  # the longest time the stub took over one answer, within the latency

    @property
    def tokens(self) -> int:
        """Input and output tokens."""
        return self.input_tokens + self.output_tokens


def llm_for(base_url: str, store: Path) -> LLM:
    """A gateway on the stub, counting with o200k_base, with a 128k window: budget 16,000."""
    prices = PriceTable(context_windows={MODEL: 128_000}, encodings={MODEL: "o200k_base"})
    config = ModelConfig(model=MODEL, base_url=base_url, api_key="sk-none", concurrency=CONCURRENCY)
    return LLM(config, store=ResponseStore(store), prices=prices)


def run(size: int, base_url: str, stats: Path, folder: Path, repeats: int = 1) -> Row:
    """Check one cluster ``repeats`` times, each from an empty store; its figures."""
    cluster = story(size)
    walls, cpus = [], []
    for n in range(repeats):
        llm = llm_for(base_url, folder / f"store-{size}-{n}.sqlite3")
        seen = len(stats.read_text(encoding="utf-8").splitlines()) if stats.exists() else 0
        cpu, wall = time.process_time(), time.perf_counter()
        report = check_cluster(cluster, llm=llm)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        calls = [json.loads(x) for x in stats.read_text(encoding="utf-8").splitlines()[seen:]]
    checks = [c for c in calls if c["stage"] == "CheckAnswer"]
    pairs, pair_input, pair_output = per_pair_cost(checks)
    usage = report.usage
    return Row(
        size=size, calls=usage.calls, merge_calls=usage.stages["merge"].calls,
        claims=len(report.claims), input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens, wall=statistics.median(walls),
        cpu=statistics.median(cpus), pair_calls=pairs, pair_input=pair_input,
        pair_output=pair_output, stub_busy=max(c["busy"] for c in calls),
    )  # fmt: skip


def per_pair_cost(checks: list[dict[str, Any]]) -> tuple[int, int, int]:
    """Calls, input and output tokens of verifying each (claim, article) pair on its own.

    The pairs are the ones the check asked about. A pair's prompt is its article's check
    prompt with only that claim listed (the article's prompt less its claim lines, plus one);
    its answer one verdict in full, at the mean size of the full verdicts the run's check
    answers gave.
    """
    verdicts = [v for c in checks for v in c["verdicts"]]
    answer = statistics.mean(verdicts) if verdicts else 0
    calls = inputs = 0
    for check in checks:
        calls += check["claims"]
        inputs += check["claims"] * (check["prompt"] - check["claim_tokens"])
        inputs += check["claim_tokens"]
    return calls, inputs, round(calls * answer)


# --- the table -------------------------------------------------------------------------------


def table(rows: list[Row], latency: float) -> str:
    """The figures, one line per size; '!' after a figure that misses its goal."""
    ideal = 3 * latency
    lines = [
        f"{'N':>3} {'calls':>5} {'merge':>5} {'claims':>6} {'input tok':>9} {'output tok':>10} "
        f"{'wall s':>6} {'÷ 3 lat.':>8} {'CPU ms':>6} {'per 5 art.':>10} "
        f"{'pair calls':>10} {'pair tok':>9} {'fewer tok':>9} {'fewer in':>8}",
    ]
    for r in rows:
        ratio = r.wall / ideal
        per5 = r.cpu * 1000 * 5 / r.size
        pair_tokens = r.pair_input + r.pair_output
        fewer, fewer_in = pair_tokens / r.tokens, r.pair_input / r.input_tokens
        lines.append(
            f"{r.size:>3} {r.calls:>5} {r.merge_calls:>5} {r.claims:>6} {r.input_tokens:>9,} "
            f"{r.output_tokens:>10,} {r.wall:>6.2f} {ratio:>7.2f}{_ok(ratio <= WALL_GOAL)} "
            f"{r.cpu * 1000:>6.0f} {per5:>9.0f}{_ok(per5 < OVERHEAD_GOAL_MS)} "
            f"{r.pair_calls:>10,} {pair_tokens:>9,} {fewer:>7.1f}×{_ok(fewer >= TOKENS_GOAL)} "
            f"{fewer_in:>7.1f}×"
        )
    return "\n".join(lines)


def _ok(met: bool) -> str:
    return " " if met else "!"


def main(argv: list[str] | None = None) -> None:
    """Start the stub, run every size, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--latency", type=float, default=LATENCY, help="seconds per call")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--repeats", type=int, default=REPEATS, help="runs per size (median)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--stats", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.latency, args.stats)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        stats = folder / "calls.jsonl"
        command = [sys.executable, __file__, "--serve", "--latency", str(args.latency),
                   "--stats", str(stats)]  # fmt: skip
        with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True) as stub:  # fmt: skip
            assert stub.stdout is not None and stub.stdin is not None
            base_url = stub.stdout.readline().strip()
            # A first run loads what every later run reuses (the tokenizer, instructor's
            # schemas, the SDK): start-up, paid once per process, not per cluster.
            run(2, base_url, stats, folder)
            rows = [run(size, base_url, stats, folder, args.repeats) for size in args.sizes]
            stub.stdin.close()
    print(f"factcheck scaling benchmark: one story (examples/harbour-fire) told by N outlets; "
          f"{MODEL} (a scripted fixture, not a model) answering each call after "
          f"{args.latency:g} s; concurrency {CONCURRENCY}; request budget 16,000 tokens; "
          f"o200k_base token counts; times are the median of {args.repeats} runs.")  # fmt: skip
    print(table(rows, args.latency))
    busy = max(r.stub_busy for r in rows)
    print(
        f"Goals: wall ≤ 3 latencies + 10% (÷ 3 lat. ≤ {WALL_GOAL:.2f}); factcheck's CPU < "
        f"{OVERHEAD_GOAL_MS} ms per 5-article cluster; ≥ {TOKENS_GOAL}× fewer tokens than "
        "one call per (claim, article) ('fewer tok': input and output; 'fewer in': input "
        f"only). '!' marks a goal missed. The stub's longest answer took {busy * 1000:.0f} ms "
        f"of its {args.latency:g} s."
    )


if __name__ == "__main__":
    main()
