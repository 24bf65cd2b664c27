"""bench/load.py's simulated browser: which script run answers which rerun request, run_every timers, polls.

No server: ForwardMsgs are built here the way Streamlit 1.67 sends them (a run opens with
`new_session` whose metadata.run.fragment_ids names the fragments it reruns, none for the whole
page, and closes with `script_finished`), and the expected outcome is written out by hand.
"""

from __future__ import annotations

import asyncio
import random
import sys
from pathlib import Path

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import load  # noqa: E402


class FakeSocket:
    def __init__(self) -> None:
        self.sent: list[BackMsg] = []

    async def send(self, data: bytes) -> None:
        msg = BackMsg()
        msg.ParseFromString(data)
        self.sent.append(msg)

    async def close(self) -> None:
        pass


def student(**kw) -> load.Student:
    s = load.Student(
        "http://127.0.0.1:1", "transposed", {"room": "ABCDEF"}, random.Random(0), timeout=5, t0=0.0,
        upload_prob=0, train_prob=0, image=b"", **kw,
    )  # fmt: skip
    s.ws = FakeSocket()
    return s


def started(*fragments: str) -> ForwardMsg:
    m = ForwardMsg()
    m.new_session.initialize.session_id = "s"
    m.metadata.run.script_run_id = "r"
    m.metadata.run.fragment_ids.extend(fragments)
    return m


def finished(status=ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY) -> ForwardMsg:
    m = ForwardMsg()
    m.script_finished = status
    return m


def exception(text: str) -> ForwardMsg:
    m = ForwardMsg()
    m.delta.new_element.exception.type = "ValueError"
    m.delta.new_element.exception.message = text
    return m


def auto_rerun(fragment: str, interval: float) -> ForwardMsg:
    m = ForwardMsg()
    m.auto_rerun.fragment_id = fragment
    m.auto_rerun.interval = interval
    return m


def run(coro):
    return asyncio.run(coro)


class TestRunsAnswerRequests:
    def test_fragment_run_answers_its_fragment_only(self):
        async def go():
            s = student()
            f, g = await s._send("F"), await s._send("G")
            s._dispatch(started("F"))
            s._dispatch(finished())
            return f.done.done(), g.done.done(), f.done.result()[:2], len(s._requests)

        assert run(go()) == (True, False, (True, ""), 1)

    def test_full_run_answers_every_request_sent_before_it(self):
        async def go():
            s = student()
            f, full = await s._send("F"), await s._send("")
            s._dispatch(started())
            later = await s._send("F")  # sent after the run started: not carried by it
            s._dispatch(finished(ForwardMsg.FINISHED_SUCCESSFULLY))
            return f.done.done(), full.done.done(), later.done.done()

        assert run(go()) == (True, True, False)

    def test_exception_fails_the_requests_of_that_run(self):
        async def go():
            s = student()
            f = await s._send("F")
            s._dispatch(started("F"))
            s._dispatch(exception("boom"))
            s._dispatch(finished())
            return f.done.result()[:2]

        assert run(go()) == (False, "exception: ValueError: boom")

    def test_run_stopped_early_waits_for_the_run_that_replaces_it(self):
        async def go():
            s = student()
            f = await s._send("F")
            s._dispatch(started("F"))
            s._dispatch(finished(ForwardMsg.FINISHED_EARLY_FOR_RERUN))
            s._dispatch(started("F"))  # the replacing run carries F again
            pending = f.done.done()
            s._dispatch(finished())
            return pending, f.done.done(), s.ended_early

        assert run(go()) == (False, True, 0)

    def test_run_stopped_early_and_not_run_again_ends_at_the_stop(self):
        async def go():
            s = student()
            f, g = await s._send("F"), await s._send("G")
            s._dispatch(started("F"))
            s._dispatch(finished(ForwardMsg.FINISHED_EARLY_FOR_RERUN))
            s._dispatch(started("G"))  # Streamlit 1.67 runs only G next
            return f.done.done(), f.done.result()[:2], g.done.done(), s.ended_early

        assert run(go()) == (True, (True, ""), False, 1)

    def test_timeout_when_no_run_comes(self):
        async def go():
            s = student()
            s.timeout = 0.05
            return await s.rerun(fragment_id="F"), s._requests

        assert run(go()) == ((False, "timeout"), [])


class TestRunEveryTimers:
    def test_timer_sends_auto_reruns_of_the_fragment(self):
        async def go():
            s = student()
            s._dispatch(auto_rerun("R", 0.05))
            await asyncio.sleep(0.13)
            sent = [(m.rerun_script.fragment_id, m.rerun_script.is_auto_rerun) for m in s.ws.sent]
            await s.close()
            return sent

        sent = run(go())
        assert sent[:2] == [("R", True), ("R", True)]

    def test_full_run_clears_timers_and_same_interval_keeps_one(self):
        async def go():
            s = student()
            s._dispatch(auto_rerun("R", 10))
            first = s._timers["R"][1]
            s._dispatch(auto_rerun("R", 10))
            kept = s._timers["R"][1] is first
            s._dispatch(started("R"))  # a fragment run keeps the timers
            after_fragment = set(s._timers)
            s._dispatch(started())  # a full run clears them, as the browser does
            after_full = set(s._timers)
            await s.close()
            return kept, after_fragment, after_full

        assert run(go()) == (True, {"R"}, set())

    def test_refresh_no_run_carried_is_skipped_at_the_next_tick(self):
        async def go():
            s = student()
            s._dispatch(auto_rerun("R", 0.05))
            await asyncio.sleep(0.08)  # one refresh sent, no run answers it
            await asyncio.sleep(0.05)  # the next tick drops it
            skipped, samples = s.skipped, [x.kind for x in s.samples]
            await s.close()
            return skipped, samples

        skipped, samples = run(go())
        assert skipped >= 1 and samples == []


class TestPolls:
    def poll_page(self, s: load.Student, options=("k = 3", "k = 4")) -> str:
        md = ForwardMsg()
        md.delta.new_element.markdown.body = load.POLL_HEAD + "At stride 2, which k?"
        s._dispatch(md)
        radio = ForwardMsg()
        radio.delta.new_element.radio.id = "$$ID-abc-q_even_poll"
        radio.delta.new_element.radio.options.extend(options)
        radio.delta.fragment_id = "F"
        s._dispatch(radio)
        return radio.delta.new_element.radio.id

    def test_poll_widget_is_found_with_its_question(self):
        s = student()
        wid = self.poll_page(s)
        assert [w.id for w in s.polls()] == [wid]
        assert s.questions[wid] == "At stride 2, which k?"

    def test_answer_changes_the_value_and_is_recorded_as_sent(self):
        async def go():
            s = student(poll_prob=1.0)
            wid = self.poll_page(s)
            task = asyncio.create_task(s._answer(s.widgets[wid]))
            await asyncio.sleep(0)
            s._dispatch(started("F"))
            s._dispatch(finished())
            first = await task
            v1 = s.states[wid].string_value
            task = asyncio.create_task(s._answer(s.widgets[wid]))
            await asyncio.sleep(0)
            s._dispatch(started("F"))
            s._dispatch(finished())
            await task
            v2 = s.states[wid].string_value
            return first, v1, v2, s.polls_sent, s.ws.sent[-1].rerun_script.fragment_id

        first, v1, v2, sent, fragment = run(go())
        assert first == (True, "")
        assert {v1, v2} == {"k = 3", "k = 4"}  # a second answer is always a change
        assert sent == {("$$ID-abc-q_even_poll", "At stride 2, which k?"): v2}  # one answer per question
        assert fragment == "F"


@pytest.mark.parametrize("who", ["student", "teacher"])
def test_fragment_stats_counts_by_client(who):
    res = {
        "samples": [
            dict(kind="fragment", who="student", ms=10.0, ok=True),
            dict(kind="fragment", who="teacher", ms=30.0, ok=False),
            dict(kind="widget", who="student", ms=99.0, ok=True),
        ]
    }
    f = load.fragment_stats(res, who)
    assert (f["n"], f["errors"]) == ((1, 0) if who == "student" else (1, 1))
