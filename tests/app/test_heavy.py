"""ui.heavy: the heavy-work slot with its first-come, first-served line, and the decode slot (issue 13).

The failure this guards against: with a bare semaphore, a student who pressed Train again the
moment their run ended got the slot back before anyone who had been refused, so one student could
keep it for a whole lesson while the others read "try again in a few seconds".
"""

from __future__ import annotations

import threading
import time

import pytest
from streamlit.testing.v1 import AppTest

import ui.heavy as heavy
from ui.heavy import Line, decode_slot, heavy_slot


def _wait_until(line: Line, cond, timeout: float = 30.0, what: str = "the condition") -> None:
    """Wait for a condition on the line's real state (woken by every change of the line, no polling)."""
    assert line.wait_for(lambda _line: cond(), timeout), f"timed out after {timeout:.0f} s waiting for {what}"


class TestLine:
    def test_legacy_call(self):
        """heavy_slot() without arguments: yields a truthy slot when free, a falsy one when busy."""
        with heavy_slot() as ok:
            assert ok and ok.got
            with heavy_slot() as busy:
                assert not busy and busy.reason.startswith("busy")
        with heavy_slot() as ok:
            assert ok

    def test_first_come_first_served(self):
        line = Line(1, 8)
        order: list[str] = []
        holder = line.acquire("a", 0, None)
        assert holder

        def student(name: str) -> None:
            slot = line.acquire(name, 30, None)
            assert slot
            order.append(name)
            line.release()

        threads = []
        for name in ("b", "c", "d"):
            t = threading.Thread(target=student, args=(name,))
            t.start()
            threads.append(t)
            _wait_until(line, lambda n=name: n in line.waiting(), what=f"{name} in line")
        assert line.waiting() == ["b", "c", "d"]
        line.release()
        for t in threads:
            t.join(30)
        assert not any(t.is_alive() for t in threads)
        assert order == ["b", "c", "d"] and line.held() == 0

    def test_pressing_again_goes_to_the_back(self):
        """A holds the slot, B waits; A releases and asks again at once: B is served first."""
        line = Line(1, 8)
        order: list[str] = []
        assert line.acquire("a", 0, None)
        got_b = threading.Event()

        def b() -> None:
            assert line.acquire("b", 30, None)
            order.append("b")
            got_b.set()
            # B keeps the slot until A is seen waiting behind it: A really asked while B held it.
            if line.wait_for(lambda line: line.waiting() == ["a"], 30):
                a_waits.set()
            line.release()

        a_waits = threading.Event()
        t = threading.Thread(target=b, daemon=True)
        t.start()
        _wait_until(line, lambda: line.waiting() == ["b"], what="b in line")
        line.release()
        again = line.acquire("a", 30, None)  # the same student, immediately
        order.append("a")
        assert again and got_b.is_set() and a_waits.is_set()
        line.release()
        t.join(30)
        assert order == ["b", "a"]

    def test_no_jumping_the_line(self):
        """A caller who does not wait never takes the slot while someone is waiting."""
        line = Line(1, 8)
        assert line.acquire("a", 0, None)
        t = threading.Thread(target=lambda: line.acquire("b", 30, None) and line.release())
        t.start()
        _wait_until(line, lambda: line.waiting() == ["b"], what="b in line")
        with line._cond:  # b cannot wake up while this thread holds the line's lock: the slot is free, b waits
            line.release()
            assert line.held() == 0 and line.waiting() == ["b"]
            slot = line.acquire(None, 0, None)
        assert not slot and slot.place == 2 and "1 waiting" in slot.reason
        t.join(30)
        assert not t.is_alive() and line.held() == 0

    def test_places_reported(self):
        line = Line(1, 8)
        assert line.acquire("a", 0, None)
        seen: dict[str, list[int]] = {"b": [], "c": []}
        c_second = threading.Event()

        def told(name: str, place: int) -> None:
            seen[name].append(place)
            if name == "c" and place == 2:
                c_second.set()

        def student(name: str) -> None:
            if line.acquire(name, 30, lambda place: told(name, place)):
                line.release()

        tb = threading.Thread(target=student, args=("b",))
        tb.start()
        _wait_until(line, lambda: line.waiting() == ["b"], what="b in line")
        tc = threading.Thread(target=student, args=("c",))
        tc.start()
        assert c_second.wait(30), "c was never told place 2"
        line.release()
        tb.join(30)
        tc.join(30)
        assert seen["b"][0] == 1 and seen["c"][0] == 2

    def test_timeout_and_full_line(self):
        line = Line(1, 1)
        assert line.acquire("a", 0, None)
        t0 = time.monotonic()
        slot = line.acquire("b", 0.3, None)
        assert not slot and slot.place == 1 and slot.reason.startswith("waited")
        assert 0.25 <= time.monotonic() - t0 < 10  # its own 0.3 s, not a longer default (10: slack for a loaded CPU)
        assert line.waiting() == []
        t = threading.Thread(target=lambda: line.acquire("b", 30, None) and line.release())
        t.start()
        _wait_until(line, lambda: line.waiting() == ["b"], what="b in line")
        full = line.acquire("c", 2, None)
        assert not full and full.reason.startswith("line full")
        line.release()
        t.join(30)
        assert not t.is_alive()

    def test_leaving_the_line(self):
        """on_wait raising (Streamlit stopping a script whose student left) removes the waiter."""
        line = Line(1, 8)
        assert line.acquire("a", 0, None)

        def leave(place: int) -> None:
            raise RuntimeError("student left")

        with pytest.raises(RuntimeError):
            line.acquire("b", 5, leave)
        assert line.waiting() == []
        line.release()
        assert line.acquire("c", 0, None)
        line.release()
        assert line.held() == 0


class TestDecodeSlot:
    def test_one_decode_at_a_time(self):
        """Each decoder keeps the slot until every other unfinished decoder is waiting for it, so the
        decoders do contend (no luck of timing); a second one inside at the same time raises the peak."""
        n = 4
        active, peak, done, got, lock = [0], [0], [0], [0], threading.Lock()
        start = threading.Barrier(n)

        def decode() -> None:
            start.wait(30)
            with decode_slot(wait_s=30) as slot:
                assert slot
                with lock:
                    active[0] += 1
                    got[0] += 1
                    peak[0] = max(peak[0], active[0])
                # a broken slot that let two in would leave fewer waiting: the deadline ends the hold
                heavy._decode.wait_for(lambda line: len(line.waiting()) == n - 1 - done[0], 5)
                with lock:
                    active[0] -= 1
                    done[0] += 1

        threads = [threading.Thread(target=decode) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not any(t.is_alive() for t in threads)
        assert got[0] == n and peak[0] == 1

    def test_independent_of_training(self):
        with heavy_slot() as training, decode_slot(wait_s=0) as decoding:
            assert training and decoding


def _training_app() -> None:
    import streamlit as st

    from ui.heavy import training_slot

    with training_slot(cap_s=60, wait_s=0.5) as slot:
        if not slot:
            st.warning(slot.reason)
        else:
            st.success("trained")


class TestTrainingSlot:
    def test_free(self):
        at = AppTest.from_function(_training_app, default_timeout=30).run()
        assert not at.exception and [s.value for s in at.success] == ["trained"]

    def test_busy_then_told_the_place(self):
        with heavy_slot() as held:
            assert held
            at = AppTest.from_function(_training_app, default_timeout=30).run()
        assert not at.exception
        assert any("still number 1 in line" in w.value for w in at.warning), [w.value for w in at.warning]
        assert not at.info  # the waiting notice is gone once the wait ends


def _picker_app() -> None:
    from ui.images import image_picker

    image_picker(key="img", max_side=64)


def _png() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 200)).save(buf, "PNG")
    return buf.getvalue()


class TestPickerUsesDecodeSlot:
    def test_waits_for_the_decode_slot(self, monkeypatch):
        """While another upload holds the decode slot, a new upload waits, then says to try again."""
        monkeypatch.setattr(heavy, "DECODE_WAIT_S", 0.3)
        at = AppTest.from_function(_picker_app, default_timeout=30)
        at.query_params["img"] = "upload"
        at.run()
        data = _png()
        with decode_slot(wait_s=0) as held:
            assert held
            at.file_uploader[0].set_value(("busy.png", data, "image/png")).run()
        assert not at.exception
        assert any("Many photos are being uploaded" in e.value for e in at.error), [e.value for e in at.error]
        at.file_uploader[0].set_value(("free.png", data, "image/png")).run()  # not cached: decodes now
        assert not at.exception and not at.error

    def test_limit_in_label_and_widget(self):
        from stride_core.images import MAX_UPLOAD_MB

        at = AppTest.from_function(_picker_app, default_timeout=30)
        at.query_params["img"] = "upload"
        at.run()
        up = at.file_uploader[0]
        assert f"up to {MAX_UPLOAD_MB} MB" in up.label
        assert up.proto.max_upload_size_mb == MAX_UPLOAD_MB
