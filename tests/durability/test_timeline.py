"""runtime.timeline: the SVG and HTML pictures of a run, parsed and checked."""

import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime import codec
from runtime.store import CallAttempt, RunRecord
from runtime.timeline import format_duration, render_svg, render_timeline

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "</title><script>alert(1)</script>\x1b[2J\x00\u202e&amp;"


def run_record(**changes):
    fields = dict(
        run_id="r<1>", name="demo & co", code_hash="c", inputs=codec.encode({}, max_bytes=100), runtime_version="0",
        monty_version="0", trace_id="0" * 32, status="ok", started_at=100.0, finished_at=101.0,
        result=codec.encode(1, max_bytes=100), error=None, resumes=0, resumed_at=None, owner=None,
    )
    fields.update(changes)
    return RunRecord(**fields)


def attempt(seq, start, end, *, attempt=1, task="work", ok=True, args=(1,), **flags):
    return CallAttempt(
        run_id="r", seq=seq, attempt=attempt, call_key=f"{seq}:{task}:k", task=task,
        args=codec.encode_arguments(args, {}, max_bytes=10_000), started_at=start, finished_at=end,
        ok=None if end is None else ok, value=codec.encode(seq, max_bytes=100) if ok and end is not None else None,
        error_type=None if ok else "ValueError", error_text=None if ok else HOSTILE,
        replayed=flags.get("replayed", False), cached=flags.get("cached", False), interrupted=flags.get("interrupted", False),
    )


CALLS = [
    attempt(1, 100.00, 100.10, task="fetch", args=(HOSTILE,)),
    attempt(2, 100.10, 100.30, task="fan"),
    attempt(3, 100.10, 100.25, task="fan"),
    attempt(4, 100.11, 100.40, task="fan", ok=False),
    attempt(4, 100.40, 100.50, attempt=2, task="fan"),
    attempt(5, 100.12, 100.13, task="fan", cached=True),
    attempt(6, 100.50, 100.50, task="replayed", replayed=True),
    attempt(7, 100.55, None, task="lost", interrupted=True),
    attempt(8, 100.60, 100.90, task=HOSTILE),
]


def bars(svg_text):
    root = ET.fromstring(svg_text)
    assert root.tag == f"{SVG}svg"
    assert root.find(f".//{SVG}script") is None
    return root, [g for g in root.iter(f"{SVG}g") if g.get("class") == "call"]


def assert_lanes_never_overlap(groups):
    lanes = {}
    for g in groups:
        lanes.setdefault(g.get("data-lane"), []).append((float(g.get("data-start")), float(g.get("data-end"))))
    for intervals in lanes.values():
        intervals.sort()
        for (_, end), (start, _) in zip(intervals, intervals[1:]):
            assert end <= start + 1e-9


def test_one_bar_per_call_attempt_in_seq_order(tmp_path):
    path = render_timeline(run_record(), CALLS, tmp_path / "run.svg")
    root, groups = bars(path.read_text(encoding="utf-8"))
    assert [(int(g.get("data-seq")), int(g.get("data-attempt"))) for g in groups] == [(c.seq, c.attempt) for c in CALLS]
    assert [g.get("data-state") for g in groups] == [
        "ok", "ok", "ok", "error", "ok", "cached", "replayed", "interrupted", "ok"]
    assert all(len(g.findall(f"{SVG}rect")) == 1 for g in groups)
    assert_lanes_never_overlap(groups)
    assert len({g.get("data-lane") for g in groups[1:6]}) >= 3  # the fan-out runs side by side
    # failures and interruptions carry a shape, not only a colour
    assert groups[3].find(f"{SVG}path") is not None
    assert groups[7].find(f"{SVG}polyline") is not None
    assert groups[6].find(f"{SVG}rect").get("stroke-dasharray")
    assert groups[5].find(f"{SVG}rect").get("stroke-dasharray")


def test_tooltips_name_the_call_and_untrusted_text_stays_text(tmp_path):
    root, groups = bars(render_svg(run_record(), CALLS))
    first = groups[0].find(f"{SVG}title").text
    assert first.startswith("#1 fetch(") and "</title><script>" in first and "100 ms" in first
    assert not any(char in title.text for g in groups for title in g.iter(f"{SVG}title") for char in "\x1b\x00\u202e")
    failed = groups[3].find(f"{SVG}title").text
    assert "failed, attempt 1, 290 ms" in failed and "ValueError: </title><script>" in failed
    assert "or more" in groups[7].find(f"{SVG}title").text
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert any("run r<1>" in t for t in texts)


def test_the_axis_is_labelled_in_time_units():
    root, _ = bars(render_svg(run_record(), CALLS))
    axis = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "axis")
    labels = [t.text for t in axis.iter(f"{SVG}text")]
    assert labels[0] == "0" and all(label.endswith((" ms", " s")) for label in labels[1:])
    assert "200 ms" in labels


def test_a_long_idle_gap_becomes_an_axis_break():
    calls = [attempt(1, 100.0, 100.5), attempt(2, 100.5, None, interrupted=True), attempt(2, 7500.0, 7500.4, attempt=2)]
    run = run_record(finished_at=7500.5, resumes=1, resumed_at=7499.9)
    root, groups = bars(render_svg(run, calls))
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert any(t.endswith("idle") and "2 h" in t for t in texts)
    assert any(t.startswith("at 2 h") for t in texts)
    assert any(t.startswith("resumed") for t in texts)
    xs = [float(g.find(f"{SVG}rect").get("x")) for g in groups]
    assert xs[2] - xs[0] < 800  # both bursts on screen, not squeezed to the edges
    assert float(groups[0].find(f"{SVG}rect").get("width")) > 100


def test_html_page_has_the_picture_and_the_table(tmp_path):
    page = render_timeline(run_record(status="error", error=HOSTILE), CALLS, tmp_path / "run.html").read_text(encoding="utf-8")

    class Collect(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags = []

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)

    parser = Collect()
    parser.feed(page)
    assert "script" not in parser.tags
    assert parser.tags.count("svg") == 1 and parser.tags.count("tr") == len(CALLS) + 1
    assert "&lt;/title&gt;&lt;script&gt;" in page


def test_unknown_suffix_and_empty_runs(tmp_path):
    with pytest.raises(ValueError, match=".svg or .html"):
        render_timeline(run_record(), CALLS, tmp_path / "run.png")
    _, groups = bars(render_svg(run_record(finished_at=None, status="running"), []))
    assert groups == []


@given(st.lists(st.tuples(st.floats(0, 10), st.floats(0, 3), st.booleans()), min_size=1, max_size=40))
@settings(max_examples=60, deadline=None)
def test_lanes_never_overlap_in_time(spans):
    calls = [
        attempt(i + 1, 100.0 + start, None if unfinished else 100.0 + start + length, interrupted=unfinished)
        for i, (start, length, unfinished) in enumerate(spans)
    ]
    _, groups = bars(render_svg(run_record(finished_at=None, status="running"), calls))
    assert [int(g.get("data-seq")) for g in groups] == list(range(1, len(calls) + 1))
    assert_lanes_never_overlap(groups)
    for g in groups:  # and on screen: bars in one lane do not cover each other
        assert float(g.find(f"{SVG}rect").get("width")) >= 1.0


@pytest.mark.parametrize("seconds, text", [
    (0.0000004, "0 µs"), (0.0123, "12.3 ms"), (0.5, "500 ms"), (2.5, "2.5 s"), (125, "2 min 5 s"), (7300, "2 h 1 min"),
])
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text
