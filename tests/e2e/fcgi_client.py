"""A minimal FastCGI client (responder role) for tests that must control
exactly when each part of a request reaches mailautoconf."""

import socket
import struct

FCGI_VERSION = 1
BEGIN_REQUEST = 1
END_REQUEST = 3
PARAMS = 4
STDIN = 5
STDOUT = 6
STDERR = 7
RESPONDER = 1
FCGI_KEEP_CONN = 1


def record(kind, content, request_id=1):
    """Returns one FastCGI record carrying content (at most 65535 bytes)."""
    header = struct.pack(">BBHHBB", FCGI_VERSION, kind, request_id,
                         len(content), 0, 0)
    return header + content


def encode_length(n):
    return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)


def encode_params(params):
    out = b""
    for name, value in params.items():
        name = name.encode()
        value = value.encode()
        out += encode_length(len(name)) + encode_length(len(value))
        out += name + value
    return out


def begin(params, keep=False):
    """Returns the bytes that open a request: BEGIN_REQUEST and PARAMS.
    With keep, the request sets FCGI_KEEP_CONN, so the responder keeps
    the connection open."""
    data = record(BEGIN_REQUEST, struct.pack(">HB5x", RESPONDER,
                                             FCGI_KEEP_CONN if keep else 0))
    data += record(PARAMS, encode_params(params))
    data += record(PARAMS, b"")
    return data


def stdin(body, last=True):
    """Returns STDIN records for body, with the closing empty record."""
    data = b""
    for i in range(0, len(body), 65535):
        data += record(STDIN, body[i:i + 65535])
    if last:
        data += record(STDIN, b"")
    return data


def read_response(sock):
    """Reads records until END_REQUEST; returns (status, headers, body)."""
    buffered = b""
    stdout = b""

    def read_exact(n):
        nonlocal buffered
        while len(buffered) < n:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed before END_REQUEST")
            buffered += chunk
        data, buffered = buffered[:n], buffered[n:]
        return data

    while True:
        _, kind, _, length, padding, _ = struct.unpack(">BBHHBB",
                                                       read_exact(8))
        content = read_exact(length)
        read_exact(padding)
        if kind == STDOUT:
            stdout += content
        elif kind == END_REQUEST:
            break

    head, _, body = stdout.partition(b"\r\n\r\n")
    headers = {}
    for line in head.decode("latin-1").split("\r\n"):
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    status = int(headers.get("status", "200").split()[0])
    return status, headers, body


def request(address, params, body=b""):
    """Sends one whole request to a TCP (host, port) address."""
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(begin(params) + stdin(body))
        return read_response(sock)
