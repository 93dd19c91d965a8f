"""A small HTTP/1.1 client on a raw socket, so that the clients spend as little CPU as possible on the cores
they share with the server.

A request is prebuilt once as bytes (``build_request``: request line, Host, Cookie, body) and sent as is;
the answer's head is read up to the blank line, and only its status line and header lines are split
(``parse_head``); the body is read to its Content-Length (or its chunks, or to the end of the connection).
The connection is kept open between requests unless the server says ``Connection: close`` (gunicorn's sync
workers always do), and opened again only when the next request is sent: a connection opened ahead of its
request would hold a sync worker, which waits for it, until the worker's timeout.
"""

import socket

RECV_SIZE = 65536
MAX_HEAD = 65536  # bytes of status line and headers accepted
NO_BODY = {204, 304}


class HttpError(Exception):
    """The server's answer could not be read: closed early, malformed, or too large a head."""


class Response:
    __slots__ = ("body", "headers", "reason", "status", "version")

    def __init__(self, version, status, reason, headers, body=b""):
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers  # [(lower-case name, value)], in the order received
        self.body = body

    def header(self, name, default=None):
        """The first value of the header ``name`` (lower case), or ``default``."""
        for key, value in self.headers:
            if key == name:
                return value
        return default

    def header_all(self, name):
        return [value for key, value in self.headers if key == name]

    @property
    def will_close(self):
        """Whether the server closes the connection after this answer."""
        connection = (self.header("connection") or "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" not in connection
        return "close" in connection


def build_request(method, path, host, headers=(), body=b""):
    """The bytes of one HTTP/1.1 request; ``headers`` is a sequence of (name, value); a body gets its
    Content-Length."""
    if isinstance(body, str):
        body = body.encode()
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in headers]
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def parse_head(head):
    """(version, status, reason, headers) from the bytes before the blank line that ends the head."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise HttpError(f"not an HTTP status line: {lines[0][:80]!r}")
    headers = []
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon:
            raise HttpError(f"malformed header line: {line[:80]!r}")
        headers.append((name.strip().lower(), value.strip()))
    return parts[0], int(parts[1]), parts[2] if len(parts) > 2 else "", headers


class Connection:
    """One connection to ``host:port``, opened when a request is sent and none is open."""

    def __init__(self, host, port, timeout=30):
        self.address = (host, port)
        self.timeout = timeout
        self.sock = None
        self.buffer = bytearray()
        self.used = False  # whether the open connection has already carried a request
        self.received = False  # whether any byte of the current answer has arrived

    def request(self, raw):
        """Send the prebuilt request ``raw`` and read its answer. A kept-alive connection the server closed
        in the meantime (nothing read back) is opened again once."""
        reused = self.sock is not None and self.used
        if self.sock is None:
            self.connect()
        self.received = False
        try:
            self.sock.sendall(raw)
            response = self.read_response()
        except (OSError, HttpError) as error:
            self.close()
            if reused and not self.received and isinstance(error, EOFError | ConnectionError):
                return self.request(raw)
            raise
        self.used = True
        if response.will_close:
            self.close()
        return response

    def connect(self):
        self.sock = socket.create_connection(self.address, timeout=self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer.clear()
        self.used = False

    def close(self):
        """Close the socket (cleanly: the server sees the end of the connection at once)."""
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None
                self.buffer.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- reading ---------------------------------------------------------------------------

    def fill(self):
        """Read what the socket has into the buffer; ClosedEarly when the server has closed it."""
        data = self.sock.recv(RECV_SIZE)
        if not data:
            raise ClosedEarly("the server closed the connection before the end of its answer")
        self.received = True
        self.buffer += data

    def read_until(self, marker, limit):
        """The bytes up to ``marker`` (removed from the buffer with it)."""
        start = 0
        while (end := self.buffer.find(marker, start)) < 0:
            if len(self.buffer) > limit:
                raise HttpError(f"no {marker!r} within {limit} bytes")
            start = max(0, len(self.buffer) - len(marker) + 1)
            self.fill()
        data = bytes(self.buffer[:end])
        del self.buffer[: end + len(marker)]
        return data

    def read_exact(self, size):
        while len(self.buffer) < size:
            self.fill()
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    def read_to_end(self):
        try:
            while True:
                self.fill()
        except ClosedEarly:
            pass
        data = bytes(self.buffer)
        self.buffer.clear()
        return data

    def read_chunked(self):
        parts = []
        while True:
            line = self.read_until(b"\r\n", MAX_HEAD)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise HttpError(f"bad chunk size line {line[:40]!r}") from None
            if size == 0:
                while self.read_until(b"\r\n", MAX_HEAD):  # trailer lines, up to the empty one
                    pass
                return b"".join(parts)
            parts.append(self.read_exact(size))
            if self.read_exact(2) != b"\r\n":
                raise HttpError("a chunk does not end with CRLF")

    def read_response(self):
        while True:
            version, status, reason, headers = parse_head(self.read_until(b"\r\n\r\n", MAX_HEAD))
            response = Response(version, status, reason, headers)
            if status >= 200:
                break  # 1xx: an interim answer, the real one follows
        response.body = self.read_body(response)
        return response

    def read_body(self, response):
        encoding = (response.header("transfer-encoding") or "").lower()
        length = response.header("content-length")
        if response.status in NO_BODY:
            return b""
        if "chunked" in encoding:
            return self.read_chunked()
        if encoding and encoding != "identity":
            raise HttpError(f"unsupported Transfer-Encoding {encoding!r}")
        if length is not None:
            if not length.isdigit():
                raise HttpError(f"bad Content-Length {length!r}")
            return self.read_exact(int(length))
        # neither: the body ends with the connection
        response.headers.append(("connection", "close"))
        return self.read_to_end()


class ClosedEarly(HttpError, EOFError):
    """The server closed the connection before the end of its answer (or before any answer)."""
