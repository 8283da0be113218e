"""A TCP proxy on the loopback interface that a test can pause: the network cut, on demand.

`PausableProxy(target)` listens on 127.0.0.1 (a free port) and forwards every connection
to `target`, a Unix socket path (the throwaway PostgreSQL's) or a (host, port) pair.
`pause()` stops moving bytes both ways and stops taking new connections, as a pulled
cable would: connections stay open, the bytes wait in the kernel's buffers, and a client
waits on its socket. `resume()` carries on where it stopped. Threads only, all bounded:
at most `max_connections` at once, every wait wakes up within `TICK` seconds to notice
`close()`.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TICK = 0.1
CHUNK = 65536

Target = str | Path | tuple[str, int]


class PausableProxy:
    """Forwards 127.0.0.1:port to `target`; `pause()`/`resume()` cut and restore it."""

    def __init__(self, target: Target, *, max_connections: int = 32) -> None:
        self.target = target
        self.max_connections = max_connections
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(TICK)
        self.port: int = self._listener.getsockname()[1]
        self._flowing = threading.Event()
        self._flowing.set()
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self.connections = 0  # accepted so far

    # -- control ----------------------------------------------------------------------

    def start(self) -> PausableProxy:
        self._spawn(self._accept, "proxy-accept")
        return self

    def pause(self) -> None:
        """Stop forwarding (both ways) and accepting, keeping every connection open."""
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    @property
    def paused(self) -> bool:
        return not self._flowing.is_set()

    def close(self) -> None:
        """Close the listener and every connection; wait for the threads (bounded)."""
        self._closed.set()
        self._flowing.set()
        self._listener.close()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.close()
        for thread in self._threads:
            thread.join(timeout=5)

    # -- the work ---------------------------------------------------------------------

    def _spawn(self, target, name: str, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _wait_flowing(self) -> bool:
        """Block while paused; False once the proxy is closing."""
        while not self._flowing.wait(TICK):
            if self._closed.is_set():
                return False
        return not self._closed.is_set()

    def _connect_upstream(self) -> socket.socket:
        if isinstance(self.target, tuple):
            return socket.create_connection(self.target, timeout=5)
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        upstream.settimeout(5)
        upstream.connect(str(self.target))
        return upstream

    def _accept(self) -> None:
        while self._wait_flowing():
            try:
                client, _addr = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # closed
            with self._lock:
                full = len(self._sockets) // 2 >= self.max_connections
            if full:
                client.close()
                continue
            try:
                upstream = self._connect_upstream()
            except OSError:
                client.close()
                continue
            self.connections += 1
            for sock in (client, upstream):
                sock.settimeout(None)
            with self._lock:
                self._sockets.update((client, upstream))
            self._spawn(self._pump, "proxy-up", client, upstream)
            self._spawn(self._pump, "proxy-down", upstream, client)

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while self._wait_flowing():
                readable, _, _ = select.select([source], [], [], TICK)
                if not readable or not self._flowing.is_set():
                    continue  # paused after select woke: leave the bytes in the kernel
                data = source.recv(CHUNK)
                if not data:
                    break
                sink.sendall(data)
        except (OSError, ValueError):  # ValueError: the other direction closed the socket
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    sock.close()
                with self._lock:
                    self._sockets.discard(sock)


@contextmanager
def pausable_proxy(target: Target, **kw: int) -> Iterator[PausableProxy]:
    """A started proxy to `target`, closed when the block ends."""
    proxy = PausableProxy(target, **kw).start()
    try:
        yield proxy
    finally:
        proxy.close()
