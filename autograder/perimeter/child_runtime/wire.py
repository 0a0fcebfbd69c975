"""The wire between the trusted parent and the sandboxed child: framing and codec.

Messages are length-prefixed JSON (a 4-byte big-endian length, then UTF-8
JSON). Values that JSON cannot carry are tagged objects:

* ``{"__ndarray__": <the raw little-endian bytes>, "dtype": "<f8", "shape": [2, 3]}``
  — a numeric array (bool, signed/unsigned integers, floats; never object,
  string, complex or structured dtypes); with ``"scalar": true`` it stands
  for a NumPy scalar (``np.float64(1.0)``) rather than a 0-d array. The bytes
  travel after the JSON, in the frame's *binary section* (below); a peer may
  also send them inline as a base64 string;
* ``{"__tuple__": [...]}`` — a tuple (lists stay JSON lists);
* ``{"__dict__": {"key": value, ...}}`` — a dict with string keys.

``None``, booleans, integers, floats (``NaN``/``Infinity`` included) and
strings are JSON's own. Decoding parses JSON and rebuilds arrays with
``np.frombuffer`` after checking dtype, shape and byte length: nothing is
ever unpickled, evaluated or imported, whatever the peer sends.

A frame whose message holds arrays has the top bit of its length set
(:data:`BINARY`): after the length come a second 4-byte length (of the JSON),
the JSON, then the arrays' bytes one after another; in the JSON each array's
data is ``{"__buffer__": <its byte count>}``, taken from the section in the
order the JSON names them, and the section must be used up exactly (no byte
read twice, none left over), so a message's arrays never hold more bytes than
it carried. Arrays were base64 in the JSON before: encoding and parsing 11 MB
of it (one check's probes) cost each sandboxed child 60 ms.

This module imports only the standard library and NumPy: the sandboxed child
uses it too.
"""

from __future__ import annotations

import base64
import binascii
import math
import socket
import struct
import time
from collections.abc import Callable, Sequence
from json import dumps as _json_dumps
from json import loads as _json_loads
from typing import Any, TypeVar

import numpy as np

HEADER = struct.Struct(">I")
#: The header's top bit: the frame has a binary section (see the module's docstring).
BINARY = 0x8000_0000
#: In a frame with a binary section: the length of its JSON part.
SECTION = struct.Struct(">I")
#: Largest message either side accepts (bytes of JSON).
MAX_MESSAGE = 64 * 1024 * 1024
#: Largest array (elements) and nesting depth a decoded value may have.
MAX_ELEMENTS = 16 * 1024 * 1024
MAX_DEPTH = 16
MAX_NDIM = 32
#: Most JSON values (numbers, strings, lists, objects) one decoded value may hold: a 48 MB list of
#: zeros would otherwise become 24 million Python objects in the trusted parent.
MAX_NODES = 100_000
#: Most ``[``, ``{`` and ``,`` bytes the JSON of a frame may hold where the receiver asks (``recv``'s
#: ``max_values``: the parent, of a child's answer), counted before parsing: :data:`MAX_NODES` is checked
#: on the parsed value, and parsing 8 MB of ``[{},{},…]`` builds 200 MB of empty dicts first. Four per
#: node leaves room for the commas inside strings; at this bound a frame parses to at most ~30 MB.
MAX_VALUES = 4 * MAX_NODES

#: dtype strings allowed on the wire: numbers only.
DTYPES = frozenset(
    ["|b1", "|i1", "|u1", "<i2", "<u2", "<i4", "<u4", "<i8", "<u8", "<f2", "<f4", "<f8"]
)


#: The class :func:`outcome_from_wire` builds (``autograder.perimeter.child_runtime.invoke.Outcome``).
_Outcome = TypeVar("_Outcome")
#: What a socket read gives (:meth:`Receiver._call`).
_Read = TypeVar("_Read")


class WireError(ValueError):
    """The peer sent something that is not a valid message."""


class PeerClosed(ConnectionError):
    """The peer closed the connection (or died)."""


# ---------------------------------------------------------------------------
# codec


def _array_to_wire(arr: np.ndarray[Any, Any], scalar: bool = False) -> dict[str, Any]:
    if arr.dtype.kind not in "biuf" or arr.dtype.fields is not None:
        raise WireError(f"arrays of dtype {arr.dtype} cannot be sent (numbers only)")
    little = arr.astype(arr.dtype.newbyteorder("<"), copy=False)
    dtype = little.dtype.str
    if dtype not in DTYPES:
        raise WireError(f"arrays of dtype {arr.dtype} cannot be sent (numbers only)")
    out: dict[str, Any] = {
        "__ndarray__": np.ascontiguousarray(little).tobytes(),  # (the frame's binary section: encode_message)
        "dtype": dtype,
        "shape": list(little.shape),
    }
    if scalar:
        out["scalar"] = True
    return out


def to_wire(value: object, _depth: int = 0) -> Any:
    """The wire form of ``value`` (see the module docstring): JSON's values, and the raw bytes of arrays,
    which :func:`encode_message` puts in the frame's binary section."""
    if _depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (np.ndarray, np.generic)) and not isinstance(value, (np.str_, np.bytes_)):
        if isinstance(value, np.generic):
            return _array_to_wire(np.asarray(value), scalar=True)
        return _array_to_wire(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, tuple):
        return {"__tuple__": [to_wire(v, _depth + 1) for v in value]}
    if isinstance(value, list):
        return [to_wire(v, _depth + 1) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise WireError("only dicts with string keys can be sent")
        return {"__dict__": {k: to_wire(v, _depth + 1) for k, v in value.items()}}
    raise WireError(f"a {type(value).__name__} cannot be sent (numbers, arrays, lists, tuples, dicts only)")


def _array_from_wire(obj: dict[str, Any]) -> Any:
    if set(obj) - {"__ndarray__", "dtype", "shape", "scalar"}:
        raise WireError("unexpected keys in an array")
    data, dtype, shape = obj.get("__ndarray__"), obj.get("dtype"), obj.get("shape")
    if not isinstance(dtype, str) or dtype not in DTYPES:
        raise WireError(f"array dtype {dtype!r} is not allowed (numbers only)")
    if (
        not isinstance(shape, list)
        or len(shape) > MAX_NDIM
        or not all(type(n) is int and 0 <= n <= MAX_ELEMENTS for n in shape)
    ):
        raise WireError("array shape must be a short list of non-negative integers")
    if math.prod(max(n, 1) for n in shape) > MAX_ELEMENTS:  # also when a 0 makes it empty
        raise WireError(f"array shape {shape[:6]} is too large ({MAX_ELEMENTS} elements at most, "
                        "counting empty dimensions as 1)")
    if not isinstance(data, (str, bytes, memoryview)):  # (bytes: from to_wire or a frame's binary section)
        raise WireError("array data must be bytes or a base64 string")
    count = math.prod(shape)
    if count > MAX_ELEMENTS:
        raise WireError("array too large")
    raw: bytes | memoryview
    if isinstance(data, str):
        try:
            raw = base64.b64decode(data.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError) as exc:
            raise WireError(f"array data is not base64: {exc}") from None
    else:
        raw = data
    dt = np.dtype(dtype)
    if len(raw) != count * dt.itemsize:
        raise WireError(f"array data has {len(raw)} bytes, expected {count * dt.itemsize} for shape {tuple(shape)}")
    arr = np.frombuffer(raw, dtype=dt).reshape(shape).astype(dt.newbyteorder("="), copy=True)
    scalar = obj.get("scalar", False)
    if scalar is True:
        if shape:
            raise WireError("a scalar must have shape []")
        return arr[()]
    if scalar is not False:
        raise WireError("'scalar' must be a boolean")
    return arr


def from_wire(obj: Any, _depth: int = 0, _budget: list[int] | None = None) -> Any:
    """Rebuild a value sent by :func:`to_wire`, validating as it goes.

    Raises :class:`WireError` for anything malformed, nested deeper than
    :data:`MAX_DEPTH` or holding more than :data:`MAX_NODES` values.
    """
    budget = [MAX_NODES] if _budget is None else _budget
    budget[0] -= 1
    if budget[0] < 0:
        raise WireError(f"value holds more than {MAX_NODES} items")
    if _depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    if obj is None or isinstance(obj, (bool, str, float)):
        return obj
    if isinstance(obj, int):
        if obj.bit_length() > 64:
            raise WireError("integer out of range (64 bits at most)")
        return obj
    if isinstance(obj, list):
        return [from_wire(v, _depth + 1, budget) for v in obj]
    if isinstance(obj, dict):
        if "__ndarray__" in obj:
            return _array_from_wire(obj)
        if set(obj) == {"__tuple__"} and isinstance(obj["__tuple__"], list):
            return tuple(from_wire(v, _depth + 1, budget) for v in obj["__tuple__"])
        if set(obj) == {"__dict__"} and isinstance(obj["__dict__"], dict):
            return {k: from_wire(v, _depth + 1, budget) for k, v in obj["__dict__"].items()}
        raise WireError(f"unknown tagged object with keys {sorted(obj)[:5]}")
    raise WireError(f"unexpected JSON value of type {type(obj).__name__}")


# ---------------------------------------------------------------------------
# outcomes (autograder.perimeter.child_runtime.invoke.Outcome, as plain fields)

OUTCOME_STATUSES = ("returned", "raised", "missing")
#: What a call may leave running, as the child may say it (``invoke.LINGERING``); any other word is dropped.
OUTCOME_LINGERING = ("thread", "timer")
_TEXT_LIMIT = 2000


def outcome_to_wire(outcome: Any) -> dict[str, Any]:
    """The fields of an ``Outcome`` (duck-typed) as a wire object."""
    return {
        "status": outcome.status,
        "value": to_wire(outcome.value),
        "value_type": str(outcome.value_type)[:_TEXT_LIMIT],
        "error_type": str(outcome.error_type)[:_TEXT_LIMIT],
        "error_message": str(outcome.error_message)[:_TEXT_LIMIT],
        "warnings": [str(w)[:_TEXT_LIMIT] for w in outcome.warnings][:50],
        "mutated": [str(m)[:200] for m in outcome.mutated][:50],
        "lingering": [str(m)[:20] for m in getattr(outcome, "lingering", ())][:4],
    }


def _plain_value(value: object, depth: int = 0) -> Any:
    """What ``invoke.to_plain`` produces: None, float64 arrays, tuples of them."""
    if value is None:
        return None
    if isinstance(value, np.ndarray):
        return np.asarray(value, dtype=np.float64)
    if isinstance(value, tuple) and depth < 3:
        return tuple(_plain_value(v, depth + 1) for v in value)
    raise WireError("an outcome value must be None, an array or a tuple of them")


def _strings(obj: object, name: str, limit: int = 50) -> tuple[str, ...]:
    if not isinstance(obj, list) or len(obj) > limit or not all(isinstance(s, str) for s in obj):
        raise WireError(f"outcome {name} must be a short list of strings")
    return tuple(s[:_TEXT_LIMIT] for s in obj)


def outcome_from_wire(obj: object, outcome_cls: Callable[..., _Outcome]) -> _Outcome:
    """Validate an outcome sent by the child and build ``outcome_cls`` from it."""
    if not isinstance(obj, dict):
        raise WireError("an outcome must be an object")
    status = obj.get("status")
    if status not in OUTCOME_STATUSES:
        raise WireError(f"outcome status {status!r} is not one the child may send")
    texts: dict[str, str] = {}
    for key in ("value_type", "error_type", "error_message"):
        text = obj.get(key, "")
        if not isinstance(text, str):
            raise WireError(f"outcome {key} must be a string")
        texts[key] = text[:_TEXT_LIMIT]
    return outcome_cls(
        status=status,
        value=_plain_value(from_wire(obj.get("value"))),
        warnings=_strings(obj.get("warnings", []), "warnings"),
        mutated=_strings(obj.get("mutated", []), "mutated"),
        lingering=tuple(what for what in _strings(obj.get("lingering", []), "lingering", 4) if what in OUTCOME_LINGERING),
        **texts,
    )


# ---------------------------------------------------------------------------
# framing


def encode_message(obj: Any) -> bytes:
    """The frame of ``obj``: its JSON, and the bytes of its arrays in a binary section when it has any."""
    blobs: list[bytes] = []

    def raw(value: object) -> dict[str, int]:
        if isinstance(value, bytes):
            blobs.append(value)
            return {"__buffer__": len(value)}
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")

    data = _json_dumps(obj, separators=(",", ":"), default=raw).encode("utf-8")
    size = len(data) + (SECTION.size + sum(map(len, blobs)) if blobs else 0)
    if size > MAX_MESSAGE:
        raise WireError(f"message of {size} bytes exceeds the limit")
    if not blobs:
        return HEADER.pack(size) + data
    return b"".join([HEADER.pack(size | BINARY), SECTION.pack(len(data)), data, *blobs])


def decode_message(data: bytes | bytearray, binary: bool = False, max_values: int | None = None) -> Any:
    """The message of a frame's payload ``data`` (with a binary section when ``binary``); with ``max_values``,
    a JSON part holding more ``[``, ``{`` and ``,`` bytes than that is refused unparsed."""
    if not binary:
        return _parse_json(data, max_values=max_values)
    if len(data) < SECTION.size or SECTION.unpack_from(data)[0] > len(data) - SECTION.size:
        raise WireError("the frame's JSON part is longer than the frame")
    end = SECTION.size + SECTION.unpack_from(data)[0]
    section, used = memoryview(data)[end:], [0]

    def buffers(obj: dict[str, Any]) -> dict[str, Any]:  # (called for each JSON object as it closes, in the order they appear)
        ref = obj.get("__ndarray__")
        if type(ref) is dict and "__buffer__" in ref:  # (only encode_message writes "__buffer__" at an object's
            # top: a dict's own keys travel inside {"__dict__": …}, so a dict keyed "__ndarray__" is left alone)
            length = ref.get("__buffer__")
            if len(ref) != 1 or type(length) is not int or not 0 <= length <= len(section) - used[0]:
                raise WireError("an array's bytes are not in the frame's binary section")
            obj["__ndarray__"] = section[used[0]:used[0] + length]
            used[0] += length
        return obj

    message = _parse_json(data[SECTION.size:end], buffers, max_values)
    if used[0] != len(section):
        raise WireError(f"{len(section) - used[0]} bytes of the frame's binary section belong to no array")
    return message


def _parse_json(data: bytes | bytearray, hook: Callable[[dict[str, Any]], Any] | None = None,
                max_values: int | None = None) -> Any:
    if max_values is not None and data.count(b"[") + data.count(b"{") + data.count(b",") > max_values:
        raise WireError(f"message holds more than {max_values} JSON values")
    try:
        return _json_loads(data.decode("utf-8"), object_hook=hook)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise WireError(f"message is not valid JSON: {str(exc)[:200]}") from None


def send(sock: socket.socket, obj: Any, fds: Sequence[int] = ()) -> None:
    """Send one message (optionally passing file descriptors with it)."""
    payload = encode_message(obj)
    if fds:
        socket.send_fds(sock, [payload[:HEADER.size]], list(fds))
        sock.sendall(payload[HEADER.size:])
    else:
        sock.sendall(payload)


def _time_left(deadline: float | None) -> float | None:
    """Seconds left before ``deadline`` (None: no deadline); raises ``TimeoutError`` when none are."""
    if deadline is None:
        return None
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError("no answer within the time limit")
    return remaining


def _body_size(header: bytearray, max_size: int) -> tuple[int, bool]:
    """``(size, binary)`` of the message whose :data:`HEADER` is ``header``; raises :class:`WireError` past
    ``max_size``."""
    (size,) = HEADER.unpack(header)
    binary, size = bool(size & BINARY), size & ~BINARY
    if size > max_size:
        raise WireError(f"message of {size} bytes exceeds the limit of {max_size}")
    return size, binary


def _recv_exact(sock: socket.socket, n: int, deadline: float | None, fds: list[int] | None = None) -> bytearray:
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        sock.settimeout(_time_left(deadline))
        try:
            if fds is not None and got == 0:
                data, new_fds, _flags, _addr = socket.recv_fds(sock, n, 16)
                fds.extend(new_fds)
                view[: len(data)] = data
                k = len(data)
            else:
                k = sock.recv_into(view[got:], n - got)
        except TimeoutError:
            raise TimeoutError("no answer within the time limit") from None
        except (ConnectionResetError, BrokenPipeError) as exc:
            raise PeerClosed(str(exc)) from None
        if k == 0:
            raise PeerClosed("connection closed")
        got += k
    return buf  # (not copied to bytes: an array's data is copied once, out of it, by _array_from_wire)


class Receiver:
    """:func:`recv` for one socket that carries no file descriptors, reading ahead: each read takes whatever has
    arrived, up to :attr:`CHUNK` bytes, so that a message already there whole costs no system call, and one that
    is not costs a timeout, a poll and a read however its header and body were cut (:func:`recv` makes two of each,
    and each releases the GIL: the grader's worker threads, which receive every answer of every child, handed
    it back and forth about six times a message). Same messages, limits, deadline and errors as :func:`recv`;
    bytes after a message wait in the buffer for the next call (a child's look-ahead answers arrive together).
    """

    #: Most bytes one read asks for beyond the message under way.
    CHUNK = 64 * 1024

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._buf = bytearray()
        self._start = 0  # where the unread bytes of _buf begin

    def _call(self, read: Callable[[Any], _Read], arg: Any, deadline: float | None) -> _Read:
        """One read of the socket within the deadline: ``read(arg)``, the socket's ``recv`` or ``recv_into``."""
        self.sock.settimeout(_time_left(deadline))
        try:
            return read(arg)
        except TimeoutError:
            raise TimeoutError("no answer within the time limit") from None
        except (ConnectionResetError, BrokenPipeError) as exc:
            raise PeerClosed(str(exc)) from None

    def _take(self, n: int, deadline: float | None) -> bytearray:
        """The next ``n`` bytes of the stream: from the buffer, after reading ahead (by up to :attr:`CHUNK` bytes)
        while they are few, or read straight into the result when they are many."""
        if n:  # (as _recv_exact: the deadline is checked before reading, even bytes already here)
            _time_left(deadline)
        if len(self._buf) - self._start < n <= self.CHUNK:
            del self._buf[:self._start]
            self._start = 0
            while len(self._buf) < n:
                data = self._call(self.sock.recv, self.CHUNK, deadline)
                if not data:
                    raise PeerClosed("connection closed")
                self._buf += data
        have = len(self._buf) - self._start
        if have >= n:
            out = self._buf[self._start:self._start + n]
            self._start += n
            return out
        out = bytearray(n)  # a large message: the rest of its bytes read into it, none copied again
        out[:have] = memoryview(self._buf)[self._start:]
        self._buf.clear()
        self._start = 0
        view, got = memoryview(out), have
        while got < n:
            k = self._call(self.sock.recv_into, view[got:], deadline)
            if k == 0:
                raise PeerClosed("connection closed")
            got += k
        return out

    def recv(self, timeout: float | None = None, max_size: int = MAX_MESSAGE, max_values: int | None = None) -> Any:
        """The next message, as :func:`recv` gives it (its ``fds`` aside)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        size, binary = _body_size(self._take(HEADER.size, deadline), max_size)
        return decode_message(self._take(size, deadline), binary, max_values)


def recv(sock: socket.socket, timeout: float | None = None, max_size: int = MAX_MESSAGE, fds: list[int] | None = None,
         max_values: int | None = None) -> Any:
    """Receive one message; raise ``TimeoutError``, ``PeerClosed`` or ``WireError``.

    ``fds``, a list, collects file descriptors passed along with the message; ``max_values`` bounds its JSON
    values before they are parsed (see :data:`MAX_VALUES`).
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    size, binary = _body_size(_recv_exact(sock, HEADER.size, deadline, fds), max_size)
    return decode_message(_recv_exact(sock, size, deadline), binary, max_values)
