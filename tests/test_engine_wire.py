"""The wire between parent and child: round trips, and nothing but numbers gets through."""

import base64
import json
import os
import pickle
import socket
import threading

import numpy as np
import pytest

from autograder.checks.compare import compare
from autograder.perimeter.child_runtime import wire
from autograder.perimeter.child_runtime.invoke import NotNumbers, Outcome, invoke, to_plain


def roundtrip(value):
    """``value`` framed (arrays in the binary section), unframed and rebuilt, as between the processes."""
    return wire.from_wire(unframe(wire.encode_message({"v": wire.to_wire(value)}))["v"])


def unframe(frame: bytes):
    (size,) = wire.HEADER.unpack_from(frame)
    return wire.decode_message(frame[wire.HEADER.size:], bool(size & wire.BINARY))


def binary_frame(message: dict, section: bytes) -> bytes:
    """A frame with a binary section, built by hand (as a hostile peer may)."""
    data = json.dumps(message).encode()
    return wire.HEADER.pack((wire.SECTION.size + len(data) + len(section)) | wire.BINARY) + \
        wire.SECTION.pack(len(data)) + data + section


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "int64", "int32", "int16", "int8",
                                   "uint8", "uint16", "uint32", "uint64", "bool"])
def test_arrays_keep_dtype_shape_and_values(dtype):
    arr = (np.arange(24).reshape(2, 3, 4) % 7).astype(dtype)
    back = roundtrip(arr)
    assert isinstance(back, np.ndarray) and back.dtype == arr.dtype and back.shape == arr.shape
    assert np.array_equal(back, arr)
    assert back.flags.writeable


def test_special_floats_big_endian_and_non_contiguous():
    arr = np.array([[np.inf, -np.inf, np.nan], [1e300, -1e-300, 0.0]])
    assert np.array_equal(roundtrip(arr), arr, equal_nan=True)
    assert np.array_equal(roundtrip(arr.T), arr.T, equal_nan=True)
    big = arr.astype(">f8")
    assert np.array_equal(roundtrip(big), arr, equal_nan=True)
    assert roundtrip(np.zeros((0, 3))).shape == (0, 3)
    assert roundtrip(np.array(2.5)).shape == ()


def test_containers_keep_their_kind():
    value = ([1.0, [2, 3]], (np.float64(1.5), np.int64(3), True, None, "x"), {"axis": 0, "t": 0.5})
    back = roundtrip(value)
    assert isinstance(back, tuple)
    assert back[0] == [1.0, [2, 3]] and isinstance(back[0], list)
    assert isinstance(back[1], tuple)
    assert type(back[1][0]) is np.float64 and back[1][0] == 1.5
    assert type(back[1][1]) is np.int64
    assert back[1][2:] == (True, None, "x")
    assert back[2] == {"axis": 0, "t": 0.5}
    assert roundtrip(float("inf")) == float("inf") and np.isnan(roundtrip(float("nan")))


@pytest.mark.parametrize("value", [
    np.array([object()], dtype=object),
    np.array(["a", "b"]),
    np.array([1 + 2j]),
    np.zeros(2, dtype=[("a", "f8")]),
    1 + 2j,
    object(),
    b"bytes",
    {1: 2},
    np.datetime64("2020-01-01"),
])
def test_non_numbers_are_refused_when_sending(value):
    with pytest.raises(wire.WireError):
        wire.to_wire(value)


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > /tmp/autograder-wire-pwned",))


@pytest.mark.parametrize("obj", [
    {"__ndarray__": base64.b64encode(pickle.dumps(np.array([Evil()], dtype=object))).decode(), "dtype": "|O",
     "shape": [1]},
    {"__ndarray__": base64.b64encode(pickle.dumps(Evil())).decode(), "dtype": "<f8", "shape": [3]},
    {"__ndarray__": base64.b64encode(b"\0" * 16).decode(), "dtype": "<f8", "shape": [3]},  # wrong length
    {"__ndarray__": base64.b64encode(b"\0" * 16).decode(), "dtype": "<c16", "shape": [1]},
    {"__ndarray__": base64.b64encode(b"\0" * 8).decode(), "dtype": "<U2", "shape": [1]},
    {"__ndarray__": "not base64!", "dtype": "<f8", "shape": [1]},
    {"__ndarray__": "", "dtype": "<f8", "shape": [-1]},
    {"__ndarray__": "", "dtype": "<f8", "shape": [1.5]},
    {"__ndarray__": "", "dtype": "<f8", "shape": "3"},
    {"__ndarray__": "", "dtype": "<f8", "shape": [10**9, 10**9]},
    {"__ndarray__": "AAAAAAAAAAA=", "dtype": "<f8", "shape": [1], "scalar": "yes"},
    {"__ndarray__": "AAAAAAAAAAA=", "dtype": "<f8", "shape": [1], "extra": 1},
    {"__reduce__": ["os.system", ["echo pwned"]]},
    {"py/object": "os.system"},
    {"__tuple__": "abc"},
])
def test_decoding_rejects_anything_but_numbers_and_never_unpickles(obj):
    with pytest.raises(wire.WireError):
        wire.from_wire(obj)
    assert not os.path.exists("/tmp/autograder-wire-pwned")


def test_outcomes_roundtrip_and_are_validated():
    out = Outcome(status="returned", value=(np.ones(2), np.array(3.0)), value_type="tuple",
                  warnings=("RuntimeWarning: overflow encountered in exp",), mutated=("argument 1",))
    back = wire.outcome_from_wire(unframe(wire.encode_message(wire.outcome_to_wire(out))), Outcome)
    assert back.status == "returned" and back.value_type == "tuple"
    assert isinstance(back.value, tuple) and np.array_equal(back.value[0], np.ones(2))
    assert back.warnings == out.warnings and back.mutated == out.mutated
    good = wire.outcome_to_wire(out)
    for bad in (
        {**good, "status": "timeout"},  # only the parent decides about timeouts and crashes
        {**good, "status": "passed"},
        {**good, "value": [1.0, 2.0]},  # values are arrays (invoke.to_plain), not lists
        {**good, "value": 3.0},
        {**good, "warnings": "RuntimeWarning"},
        {**good, "warnings": [1]},
        {**good, "error_message": {"x": 1}},
        "returned",
    ):
        with pytest.raises(wire.WireError):
            wire.outcome_from_wire(bad, Outcome)
    ints = wire.outcome_from_wire({**good, "value": wire.to_wire(np.arange(3))}, Outcome)
    assert ints.value.dtype == np.float64


@pytest.mark.parametrize("shape", [(3,), (2, 3), (2, 3, 4), (2, 1, 3, 2)])
def test_a_list_result_of_any_depth_reaches_the_parent_as_the_array_numpy_makes_of_it(shape):
    """A softmax that ends in ``.tolist()`` is judged on its numbers whatever its input's axes (a 3-D one was
    "not numbers" while a 2-D one was compared): two tuple levels, then arrays."""
    values = np.arange(np.prod(shape), dtype=float).reshape(shape) / 7
    out = invoke(lambda: values.tolist(), ())
    back = wire.outcome_from_wire(unframe(wire.encode_message(wire.outcome_to_wire(out))), Outcome)
    assert back.status == "returned"
    assert np.array_equal(np.asarray(back.value, dtype=float), values)
    assert compare(back.value, values, 1e-12, 0.0) is None


@pytest.mark.parametrize("result", [
    [[[[1.0, 2.0], [3.0]]]],                # ragged below the tuple levels
    [[["a", "b"]]],                        # strings
    [[[object()]]],                        # objects
])
def test_a_deep_list_that_is_not_an_array_of_numbers_is_not_numbers(result):
    out = invoke(lambda: result, ())
    assert out.status == "returned" and out.value is None and "list" in out.value_type


def test_framing_timeouts_size_limits_and_closed_peers():
    a, b = socket.socketpair()
    with a, b:
        wire.send(a, {"op": "call", "args": wire.to_wire((np.arange(5.0), [1, 2]))})
        msg = wire.recv(b, timeout=5)
        assert wire.from_wire(msg["args"])[1] == [1, 2]
        with pytest.raises(TimeoutError):
            wire.recv(b, timeout=0.05)
        a.sendall(wire.HEADER.pack(wire.MAX_MESSAGE + 1))
        with pytest.raises(wire.WireError):
            wire.recv(b, timeout=5)
    a, b = socket.socketpair()
    with b:
        a.sendall(wire.HEADER.pack(10) + b"{not json}")
        with pytest.raises(wire.WireError):
            wire.recv(b, timeout=5)
        a.sendall(wire.HEADER.pack(100) + b"{}")  # then the peer dies mid-message
        a.close()
        with pytest.raises(wire.PeerClosed):
            wire.recv(b, timeout=5)


def test_messages_arrive_whole_when_split_into_pieces():
    a, b = socket.socketpair()
    payload = wire.encode_message({"x": wire.to_wire(np.arange(10000.0))})

    def dribble():
        for i in range(0, len(payload), 777):
            a.sendall(payload[i:i + 777])

    t = threading.Thread(target=dribble)
    t.start()
    with a, b:
        msg = wire.recv(b, timeout=5)
        t.join()
    assert np.array_equal(wire.from_wire(msg["x"]), np.arange(10000.0))


def test_a_receiver_reads_ahead_and_gives_the_same_messages_limits_and_errors():
    """``wire.Receiver`` (the grader's reader of a child's answers): messages sent together come out one by one,
    a message cut anywhere or larger than its read-ahead arrives whole, and the timeouts, size limit, garbage and a
    peer gone mid-message are what ``wire.recv`` gives."""
    a, b = socket.socketpair()
    reader = wire.Receiver(b)
    big = np.arange(30000.0)  # 240 kB: more than one read ahead
    frames = [wire.encode_message({"i": i, "x": wire.to_wire(np.arange(float(i)))}) for i in range(50)]
    frames.append(wire.encode_message({"i": 50, "x": wire.to_wire(big)}))
    stream = b"".join(frames)

    def dribble(size):
        for i in range(0, len(stream), size):
            a.sendall(stream[i:i + size])

    with a, b:
        for size in (len(stream), 777, 3, 70000):
            t = threading.Thread(target=dribble, args=(size,))
            t.start()
            got = [reader.recv(timeout=5) for _ in frames]
            t.join()
            assert [m["i"] for m in got] == list(range(51))
            assert all(np.array_equal(wire.from_wire(m["x"]), np.arange(float(m["i"]))) for m in got[:50])
            assert np.array_equal(wire.from_wire(got[50]["x"]), big)
        with pytest.raises(TimeoutError):
            reader.recv(timeout=0.05)
        a.sendall(frames[3])
        with pytest.raises(TimeoutError):  # a deadline already passed: never read, whatever has arrived
            reader.recv(timeout=0)
        assert reader.recv(timeout=5)["i"] == 3
        a.sendall(wire.HEADER.pack(wire.MAX_MESSAGE + 1))
        with pytest.raises(wire.WireError, match="exceeds the limit"):
            reader.recv(timeout=5)
    a, b = socket.socketpair()
    reader = wire.Receiver(b)
    with a, b:
        a.sendall(frames[3][:9])  # part of a message: the rest comes too late (the child is then ended)
        with pytest.raises(TimeoutError):
            reader.recv(timeout=0.05)
    a, b = socket.socketpair()
    reader = wire.Receiver(b)
    with b:
        a.sendall(wire.HEADER.pack(10) + b"{not json}")
        with pytest.raises(wire.WireError):
            reader.recv(timeout=5)
        a.sendall(wire.HEADER.pack(100) + b"{}")  # then the peer dies mid-message
        a.close()
        with pytest.raises(wire.PeerClosed):
            reader.recv(timeout=5)


# --- a hostile child: absurd sizes are refused before anything big is built (no unbounded parent work) -----


@pytest.mark.parametrize("obj,why", [
    ({"__ndarray__": "", "dtype": "<f8", "shape": [0, 2**24, 2**24, 2**24]}, "too large"),
    ({"__ndarray__": "", "dtype": "<f8", "shape": [0] * 8 + [2**20] * 3}, "too large"),
    ([0] * (wire.MAX_NODES + 1), "more than"),
    ({"__tuple__": [[1.0] * 1000] * 200}, "more than"),
    (10**400, "out of range"),
])
def test_forged_shapes_and_lengths_are_refused(obj, why):
    with pytest.raises(wire.WireError, match=why):
        wire.from_wire(obj)


def test_a_forged_output_counter_or_an_oversized_frame_becomes_that_childs_error():
    """A 4,299-digit byte count (the parent once summed it into a number json could not write) is not
    believed; a frame over the limit is refused from its header, before its bytes are read."""
    from autograder.perimeter.supervision.zygote_parent import MAX_CHILD_MESSAGE, Child, ChildError

    a, b = socket.socketpair()
    child = Child(0, 1, a, {})
    try:
        b.sendall(wire.HEADER.pack(0) + b"")  # an empty frame is not JSON
        with pytest.raises(ChildError, match="unreadable"):
            child.receive(5)
        wire.send(b, {"status": "ok", "output": {"bytes": int("9" * 4299), "truncated": "yes"}})
        child.receive(5)
        assert child.output == {"bytes": 0, "truncated": True}
        b.sendall(wire.HEADER.pack(MAX_CHILD_MESSAGE + 1))  # and nothing after: never waited for
        with pytest.raises(ChildError, match="exceeds the limit"):
            child.receive(5)
    finally:
        a.close()
        b.close()


# --- the binary section: each byte belongs to one array, read once; base64 inline still understood ----------


def test_arrays_travel_in_the_binary_section_and_base64_is_still_read():
    frame = wire.encode_message({"x": wire.to_wire((np.arange(3.0), np.ones((2, 2), dtype=np.int32)))})
    assert wire.HEADER.unpack_from(frame)[0] & wire.BINARY
    assert b"__buffer__" in frame and base64.b64encode(np.arange(3.0).tobytes()) not in frame
    a, b = wire.from_wire(unframe(frame)["x"])
    assert np.array_equal(a, np.arange(3.0)) and np.array_equal(b, np.ones((2, 2))) and b.dtype == np.int32
    assert not wire.HEADER.unpack_from(wire.encode_message({"op": "defined"}))[0] & wire.BINARY  # none: plain
    inline = {"__ndarray__": base64.b64encode(np.arange(2.0).tobytes()).decode(), "dtype": "<f8", "shape": [2]}
    assert np.array_equal(wire.from_wire(inline), np.arange(2.0))


@pytest.mark.parametrize("message,section,why", [
    ({"v": {"__ndarray__": {"__buffer__": 16}, "dtype": "<f8", "shape": [2]}}, b"\0" * 24, "belong to no array"),
    ({"v": {"__ndarray__": {"__buffer__": 32}, "dtype": "<f8", "shape": [4]}}, b"\0" * 16, "not in the frame"),
    ({"v": {"__ndarray__": {"__buffer__": -8}, "dtype": "<f8", "shape": [1]}}, b"\0" * 8, "not in the frame"),
    ({"v": {"__ndarray__": {"__buffer__": 8, "at": 0}, "dtype": "<f8", "shape": [1]}}, b"\0" * 8, "not in the frame"),
    ({"v": {"__ndarray__": {"__buffer__": 8.0}, "dtype": "<f8", "shape": [1]}}, b"\0" * 8, "not in the frame"),
    ({"v": {"__buffer__": 8}}, b"\0" * 8, "belong to no array"),  # bytes only ever as an array's data
])
def test_a_forged_binary_section_is_refused(message, section, why):
    with pytest.raises(wire.WireError, match=why):
        unframe(binary_frame(message, section))


def test_two_arrays_never_share_bytes_and_a_short_frame_is_refused():
    """The section is read in order, each array taking the next bytes: 8 bytes cannot become two arrays (no
    amplification: what a message's arrays hold, it carried), and a JSON length past the frame is refused."""
    two = {"v": [{"__ndarray__": {"__buffer__": 8}, "dtype": "<f8", "shape": [1]}] * 2}
    with pytest.raises(wire.WireError, match="not in the frame"):
        unframe(binary_frame(two, b"\0" * 8))
    with pytest.raises(wire.WireError, match="longer than the frame"):
        wire.decode_message(wire.SECTION.pack(100) + b"{}", binary=True)
    with pytest.raises(wire.WireError, match="longer than the frame"):
        wire.decode_message(b"\0", binary=True)


def test_a_dict_keyed_like_a_tag_round_trips_in_a_frame_with_arrays():
    """A dict with the key "__ndarray__" (or "__buffer__") is a dict: its value is not taken for an array's
    bytes, in a frame with a binary section as in one without (it once failed to decode there)."""
    value = ({"__ndarray__": np.arange(2.0), "__buffer__": 8}, {"__ndarray__": (np.ones(1), {"__buffer__": 1})},
             {"__ndarray__": {"__buffer__": 8}})
    back = roundtrip(value)
    assert np.array_equal(back[0]["__ndarray__"], np.arange(2.0)) and back[0]["__buffer__"] == 8
    assert np.array_equal(back[1]["__ndarray__"][0], np.ones(1)) and back[1]["__ndarray__"][1] == {"__buffer__": 1}
    assert back[2] == {"__ndarray__": {"__buffer__": 8}}


@pytest.mark.parametrize("message,section,why", [
    # True is not the byte count 1 (bool is an int subclass)
    ({"v": {"__ndarray__": {"__buffer__": True}, "dtype": "|u1", "shape": [1]}}, b"\1", "not in the frame"),
    # JSON keeps a duplicate key's last value: the first reference takes no bytes, which are then left over
    ('{"v": {"__ndarray__": {"__buffer__": 8}, "dtype": "<f8", "shape": [1], "__ndarray__": "AAAAAAAAAAA="}}',
     b"\0" * 8, "belong to no array"),
    # an array where a shape's number goes takes its bytes, and the outer array is refused for its shape
    ({"v": {"__ndarray__": {"__buffer__": 8}, "dtype": "<f8",
            "shape": [{"__ndarray__": {"__buffer__": 8}, "dtype": "<i8", "shape": []}]}}, b"\0" * 16, "shape"),
    # the section's bytes fit the reference but not the dtype and shape
    ({"v": {"__ndarray__": {"__buffer__": 12}, "dtype": "<f8", "shape": [2]}}, b"\0" * 12, "expected 16"),
])
def test_a_forged_reference_decodes_to_an_error_never_to_an_array(message, section, why):
    data = message.encode() if isinstance(message, str) else json.dumps(message).encode()
    frame = wire.HEADER.pack((wire.SECTION.size + len(data) + len(section)) | wire.BINARY) + \
        wire.SECTION.pack(len(data)) + data + section
    with pytest.raises(wire.WireError, match=why):
        wire.from_wire(unframe(frame)["v"])


def test_a_frame_of_many_small_values_is_refused_before_it_is_parsed():
    """A child's answer of 3 MB of ``[{},{},…]`` would parse to about 70 MB of empty dicts in the parent
    before ``MAX_NODES`` is checked: with ``max_values`` (the parent's bound on a child's answer) it is refused
    unparsed, while the same frame without the bound is parsed (the control: the bound is what refused it)."""
    import tracemalloc

    body = b"[" + b",".join([b"{}"] * 1_000_000) + b"]"
    frame = wire.HEADER.pack(len(body)) + body
    for bounded in (True, False):
        a, b = socket.socketpair()
        sender = threading.Thread(target=a.sendall, args=(frame,))
        sender.start()
        tracemalloc.start()
        try:
            if bounded:
                with pytest.raises(wire.WireError, match="JSON values"):
                    wire.recv(b, timeout=10, max_values=wire.MAX_VALUES)
                assert tracemalloc.get_traced_memory()[1] < 3 * len(body)
            else:
                assert len(wire.recv(b, timeout=10)) == 1_000_000
                assert tracemalloc.get_traced_memory()[1] > 10 * len(body)
        finally:
            tracemalloc.stop()
            sender.join()
            a.close()
            b.close()


def test_an_answer_within_the_bound_is_read_whatever_its_strings_hold():
    """The bound counts ``[``, ``{`` and ``,`` bytes, commas in strings included: an answer the parent accepts
    (``MAX_NODES`` values at most) stays well below it."""
    reply = {"status": "error", "error": "a, b, c" * 60, "values": list(range(wire.MAX_NODES - 10))}
    frame = wire.encode_message(reply)
    assert wire.decode_message(frame[wire.HEADER.size:], max_values=wire.MAX_VALUES) == reply


@pytest.mark.parametrize("error, shown", [
    ("NameError: name 'x' is not defined", "NameError: name 'x' is not defined"),
    ("x" * 900, "x" * 500),
    (memoryview(b"\x00"), "the cell raised an error"),  # its repr would show the parent's memory address
    ({"__ndarray__": memoryview(b"\x00")}, "the cell raised an error"),
    (None, "the cell raised an error"),
    ("", "the cell raised an error"),
])
def test_a_childs_error_text_is_shown_only_when_it_is_text(error, shown):
    from autograder.perimeter.supervision.answers import error_text

    assert error_text({"status": "error", "error": error}, "the cell raised an error") == shown


def test_an_object_array_of_numbers_is_numbers_and_nothing_else_in_one_is():
    """`np.frompyfunc` (real code wraps a scalar sigmoid in it) returns an object array of Python floats: it was
    refused as "not numbers", so a correct sigmoid got 0 of 9. An object array whose entries are all numbers by their
    exact type is read as the float64 array of them; one holding anything else — an object that claims to be a float
    through `__class__`, a string, None, an integer past float64 — is still not numbers, and converting it runs no
    code of the notebook's."""
    import math

    sigmoid = np.frompyfunc(lambda t: 1 / (1 + math.exp(-t)) if t >= 0 else math.exp(t) / (1 + math.exp(t)), 1, 1)
    got = to_plain(sigmoid(np.array([[-2.0, 0.0], [1.0, 40.0]])))
    assert got.dtype == np.float64 and got.shape == (2, 2) and got[0, 1] == 0.5
    assert to_plain(np.array([1, True, np.float32(2.5)], dtype=object)).tolist() == [1.0, 1.0, 2.5]
    ran = []

    class Claims:
        __class__ = float  # (isinstance(Claims(), float) is True)

        def __float__(self):
            ran.append(1)
            return 0.0

    for value in (np.array([1.0, Claims()], dtype=object), np.array([1.0, "a"], dtype=object),
                  np.array([None], dtype=object), np.array([10 ** 400], dtype=object)):
        with pytest.raises(NotNumbers):
            to_plain(value)
    assert not ran
