"""One forward-only byte stream over an iterator of chunks (as the engine sends `docker save`). Pure.

The chunks are never joined: skipping a file's data is offset arithmetic, and the few callers that
need the bytes get zero-copy memoryview slices of the chunks. Memory is one chunk at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from ci_optimizer.errors import EngineError


class ByteStream:
    def __init__(self, chunks: Iterable[bytes], *, name: str = "image archive") -> None:
        self._chunks = iter(chunks)
        self._buf: bytes = b""
        self._view = memoryview(self._buf)
        self._pos = 0
        self._chunk_start = 0  # stream offset of _buf[0]; offset == _chunk_start + _pos
        self.offset = 0  # bytes consumed since the start
        self.name = name
        self._watcher: Callable[[bytes, int, int], None] | None = None

    def watch(self, watcher: Callable[[bytes, int, int], None] | None) -> None:
        """Show every chunk from the current position on to `watcher(chunk, first, offset)` as it
        arrives: chunk[first:] is new, chunk[0] is at stream offset `offset` (None: stop watching).
        One call per chunk: cheap enough to look at every byte."""
        self._watcher = watcher
        if watcher is not None and self._pos < len(self._buf):
            watcher(self._buf, self._pos, self._chunk_start)

    def _next_chunk(self) -> bool:
        for chunk in self._chunks:
            if chunk:
                self._chunk_start += len(self._buf)
                self._buf = chunk
                self._view = memoryview(chunk)
                self._pos = 0
                if self._watcher is not None:
                    self._watcher(chunk, 0, self._chunk_start)
                return True
        return False

    def read(self, size: int) -> bytes:
        """Exactly `size` bytes; b'' only when the stream ended cleanly before any of them."""
        buf, pos = self._buf, self._pos
        end = pos + size
        if end <= len(buf):
            self._pos = end
            self.offset += size
            return buf[pos:end]
        parts = [buf[pos:]]
        need = size - (len(buf) - pos)
        self._pos = len(buf)
        while need > 0:
            if not self._next_chunk():
                got = size - need
                if got == 0:
                    return b""
                raise EngineError(f"{self.name} ends after {self.offset + got} bytes, inside a tar block")
            take = min(need, len(self._buf))
            parts.append(self._buf[:take])
            self._pos = take
            need -= take
        self.offset += size
        return b"".join(parts)

    def peek(self, size: int) -> bytes:
        """Up to `size` next bytes, left unread (to sniff what a member holds)."""
        if len(self._buf) - self._pos >= size:
            return self._buf[self._pos : self._pos + size]
        head = self.read(size)
        # Put the bytes back in front of the rest of the current chunk (one copy, once per member).
        self._buf = head + self._buf[self._pos :]
        self._view = memoryview(self._buf)
        self._pos = 0
        self.offset -= len(head)
        self._chunk_start = self.offset
        return head

    def skip(self, size: int) -> None:
        left = len(self._buf) - self._pos
        while size > left:
            size -= left
            self.offset += left
            if not self._next_chunk():
                raise EngineError(f"{self.name} ends after {self.offset} bytes, inside a member")
            left = len(self._buf)
        self._pos += size
        self.offset += size

    def slices(self, size: int) -> Iterator[memoryview]:
        """The next `size` bytes as read-only views of the chunks (valid while the caller holds them)."""
        while size > 0:
            left = len(self._buf) - self._pos
            if left == 0:
                if not self._next_chunk():
                    raise EngineError(f"{self.name} ends after {self.offset} bytes, inside a member")
                continue
            take = min(size, left)
            view = self._view[self._pos : self._pos + take]
            self._pos += take
            self.offset += take
            size -= take
            yield view

    def drain(self) -> int:
        """Consume whatever is left (the zero padding after a tar's end marker); returns its length."""
        count = len(self._buf) - self._pos
        while self._next_chunk():
            count += len(self._buf)
        self._pos = len(self._buf)
        self.offset += count
        return count
