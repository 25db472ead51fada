"""A channel over TCP: one party's end of a socket to its peer.

Frames are a fixed header (magic, dtype, ndim, payload length), the shape, then the raw array.
:meth:`TCPChannel.exchange` is full duplex: this party's frame is sent from a second thread while
the peer's is received, so two parties sending large messages at once cannot deadlock on full
socket buffers. What arrives is checked before it is read: a payload longer than
``max_frame_bytes``, a dtype other than uint64, or a length that does not match the shape raises
:class:`~ppml_lab.smpc.channel.ProtocolError` naming the party and the round; a silent or closed
peer raises :class:`~ppml_lab.smpc.channel.PeerFailure`. Counted bytes include the frame headers.
"""

from __future__ import annotations

import socket
import struct
import threading

import numpy as np

from ppml_lab.smpc.channel import Channel, PeerFailure, ProtocolError

MAGIC = b"PPML"
HEADER = struct.Struct("!4s4sBQ")  # magic, dtype (e.g. b"<u8\0"), ndim, payload bytes
MAX_NDIM = 8
MAX_FRAME_BYTES = 1 << 30


def frame_header(array: np.ndarray) -> bytes:
    """The bytes that precede ``array`` on the wire."""
    dtype = array.dtype.str.encode().ljust(4, b"\0")[:4]
    head = HEADER.pack(MAGIC, dtype, array.ndim, array.nbytes)
    return head + struct.pack(f"!{array.ndim}Q", *array.shape)


class TCPChannel(Channel):
    """One party's end of a TCP connection; ``timeout`` (s) bounds every wait for the peer."""

    def __init__(
        self,
        sock: socket.socket,
        party: int,
        timeout: float = 10.0,
        record: bool = False,
        max_frame_bytes: int = MAX_FRAME_BYTES,
    ) -> None:
        super().__init__(party, record)
        self.sock, self.timeout, self.max_frame_bytes = sock, timeout, max_frame_bytes
        self.sock.settimeout(timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _send_raw(self, message: np.ndarray) -> int:
        head = frame_header(message)
        try:
            self.sock.sendall(head)
            self.sock.sendall(memoryview(message).cast("B"))
        except TimeoutError as exc:
            raise PeerFailure(f"{self.where()}: party {self.peer} accepted nothing for {self.timeout:.0f} s") from exc
        except OSError as exc:
            raise PeerFailure(f"{self.where()}: cannot send to party {self.peer}: {exc}") from exc
        return len(head) + message.nbytes

    def _recv_into(self, view: memoryview) -> None:
        got = 0
        while got < len(view):
            try:
                k = self.sock.recv_into(view[got:], min(len(view) - got, 1 << 22))
            except TimeoutError as exc:
                raise PeerFailure(
                    f"{self.where()}: party {self.peer} sent nothing for {self.timeout:.0f} s"
                ) from exc
            except OSError as exc:
                raise PeerFailure(f"{self.where()}: connection to party {self.peer} failed: {exc}") from exc
            if k == 0:
                raise PeerFailure(f"{self.where()}: party {self.peer} closed the connection")
            got += k

    def _recv_raw(self, shape: tuple[int, ...]) -> np.ndarray:
        head = bytearray(HEADER.size)
        self._recv_into(memoryview(head))
        magic, dtype, ndim, nbytes = HEADER.unpack(head)
        who = f"{self.where()}: party {self.peer}"
        if magic != MAGIC:
            raise ProtocolError(f"{who} sent a frame without the protocol's header")
        if nbytes > self.max_frame_bytes:
            raise ProtocolError(f"{who} announced {nbytes} bytes, above the frame cap of {self.max_frame_bytes}")
        kind = dtype.rstrip(b"\0").decode(errors="replace")
        if kind != "<u8":
            raise ProtocolError(f"{who} sent dtype {kind}, expected uint64 ring elements")
        if ndim > MAX_NDIM:
            raise ProtocolError(f"{who} sent an array of {ndim} dimensions (at most {MAX_NDIM})")
        dims = bytearray(8 * ndim)
        self._recv_into(memoryview(dims))
        got_shape = struct.unpack(f"!{ndim}Q", dims)
        if int(np.prod(got_shape, dtype=np.float64)) * 8 != nbytes:
            raise ProtocolError(f"{who} announced {nbytes} bytes for shape {got_shape} (8 bytes per element)")
        if tuple(got_shape) != tuple(shape):
            raise ProtocolError(f"{who} sent shape {tuple(got_shape)}, expected {tuple(shape)}")
        out = np.empty(shape, dtype=np.uint64)
        self._recv_into(memoryview(out).cast("B"))
        return out

    def _exchange_raw(self, message: np.ndarray, shape: tuple[int, ...]) -> tuple[np.ndarray, int]:
        box: dict = {}

        def send() -> None:
            try:
                box["sent"] = self._send_raw(message)
            except BaseException as exc:  # noqa: BLE001 - re-raised below
                box["error"] = exc

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        try:
            got = self._recv_raw(shape)
        finally:
            sender.join(self.timeout + 1.0)
        if "error" in box:
            raise box["error"]
        return got, box["sent"]

    def abort(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
