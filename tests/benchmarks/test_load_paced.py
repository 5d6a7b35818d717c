"""The paced (open-loop) mode of the load test: requests leave on their schedule whatever the
answers, a request that waits for a free client counts that wait, and the §5 target is judged
on the paced rows. A simulated clock replaces the real one: no time is measured here."""

from __future__ import annotations

import threading

import pytest
from django.core.management import CommandError, call_command

from benchmarks import load


class _Clock:
    """A clock that only moves when someone waits or a simulated request takes time."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.lock = threading.Lock()

    def __call__(self) -> float:
        with self.lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += max(seconds, 0.0)


@pytest.fixture
def simulated(monkeypatch):
    """One client on a simulated clock; each «request» takes `answer_s` and is recorded with
    the time it left."""
    clock = _Clock()
    sent: list[float] = []
    state = {"answer_s": 0.0, "status": 200}

    def fetch(port, path, cookie, timeout=load.CLIENT_TIMEOUT_S):
        sent.append(clock())
        clock.sleep(state["answer_s"])
        return state["status"], 10

    monkeypatch.setattr(load, "clock", clock)
    monkeypatch.setattr(load, "sleep", clock.sleep)
    monkeypatch.setattr(load, "fetch", fetch)
    return clock, sent, state


TARGET = load.Target("cruscotto dell'ente", "/cruscotto/", public=False)


def test_requests_leave_on_their_schedule_when_the_server_keeps_up(simulated):
    clock, sent, state = simulated
    state["answer_s"] = 0.004  # shorter than the 10 ms between two requests
    start = clock() + load.PACED_START_S
    row = load.pace(0, TARGET, "s=1", clients=1, requests=5, rate=100.0)
    assert sent == pytest.approx([start + i * 0.01 for i in range(5)])
    assert row["mode"] == "paced" and row["rate"] == 100.0
    assert row["requests"] == 5 and row["late"] == 0 and row["errors"] == 0
    assert row["p50_ms"] == pytest.approx(4.0) and row["p99_ms"] == pytest.approx(4.0)
    # requests / duration, from the first request's time to the last answer
    assert row["req_per_s"] == pytest.approx(5 / (0.04 + 0.004))


def test_a_request_that_waits_for_a_client_counts_the_wait(simulated):
    clock, sent, state = simulated
    state["answer_s"] = 0.025  # one client, a request due every 10 ms: it falls behind
    start = clock() + load.PACED_START_S
    row = load.pace(0, TARGET, "s=1", clients=1, requests=4, rate=100.0)
    assert sent == pytest.approx([start + i * 0.025 for i in range(4)])
    # latency from the time each was due: 25, 40, 55 and 70 ms
    assert row["p50_ms"] == pytest.approx(40.0) and row["p99_ms"] == pytest.approx(70.0)
    assert row["late"] == 3
    assert row["req_per_s"] == pytest.approx(4 / 0.1)


def test_failed_answers_are_counted(simulated):
    _clock, _sent, state = simulated
    state["status"] = 503
    row = load.pace(0, TARGET, "s=1", clients=1, requests=3, rate=50.0)
    assert row["errors"] == 3 and row["first_error"] == "HTTP 503"


def _result() -> dict:
    def row(clients, p95, obtained, **extra):
        return {
            "page": "cruscotto dell'ente",
            "url": "/",
            "clients": clients,
            "requests": 10,
            "errors": 0,
            "first_error": "",
            "p50_ms": p95 / 2,
            "p95_ms": p95,
            "p99_ms": p95,
            "req_per_s": obtained,
            "seconds": 1.0,
            "bytes": 2048,
            **extra,
        }

    size = {"units": 1, "objectives": 2, "indicators": 3, "schede": 4}
    machine = {"date": "d", "commit": "c", "database": "sqlite", "platform": "x", "cpus": 2}
    machine |= {"python": "3.11", "load_before": None, "load_after": None}
    closed = [row(1, 20.0, 60.0), row(32, 400.0, 140.0)]
    paced = [row(32, 45.0, 108.5, mode="paced", rate=110.0, late=2)]
    return {
        "machine": machine,
        "workers": 2,
        "requests": 10,
        "paced": {"clients": 32, "rate": 110.0, "requests": 0},
        "profiles": {"medium": {"size": size, "rows": closed, "paced": paced}},
    }


def test_the_target_is_judged_on_the_paced_row_beside_the_closed_loop_one():
    text = load.report_markdown(_result())
    assert "| cruscotto dell'ente | 32 | 110 | 108.5 | 22 ms | 45 ms | 45 ms | 2 | 0 |" in text
    assert (
        "| medium | cruscotto dell'ente | 32 | p95 ≤ 100 ms, ≥ 100 richieste/s |"
        " a ritmo fisso (110/s chieste): 45 ms, 108.5 richieste/s;"
        " a ciclo chiuso: 400 ms, 140.0 richieste/s | sì |"
    ) in text
    assert "32 client, 110 richieste/s chieste, 10 richieste per pagina" in text
    assert "a ritmo fisso" in text and "legge di Little" in text


def test_a_paced_row_too_slow_or_below_the_rate_misses_the_target():
    result = _result()
    paced = result["profiles"]["medium"]["paced"]
    paced.append({**paced[0], "page": "albero del piano", "p95_ms": 30.0, "req_per_s": 80.0})
    paced.append({**paced[0], "page": "scheda individuale", "p95_ms": 130.0})
    text = load.report_markdown(result)
    assert "a ritmo fisso (110/s chieste): 30 ms, 80.0 richieste/s | no |" in text
    assert "a ritmo fisso (110/s chieste): 130 ms, 108.5 richieste/s | no |" in text


@pytest.mark.parametrize(
    ("option", "message"),
    [("--rate=-1", "--rate"), ("--rate=nan", "--rate"), ("--paced-clients=0", "--paced")],
)
def test_bad_paced_options_are_refused(option, message):
    with pytest.raises(CommandError, match=message):
        call_command("benchmark_load", "--profiles=small", option)
