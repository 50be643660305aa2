#!/usr/bin/env python3
"""Hostile HTTP clients for the e2e tests, on loopback only: each sends what issue "under attack"
found to crash or bloat a server, and prints what came back.

  hostile_client.py trailer PORT PATH         70 KB chunked trailer; prints the status line
  hostile_client.py smuggle PORT              Transfer-Encoding gzip with a request inside;
                                              prints how many answers came back
  hostile_client.py extensions PORT N MIB     N connections each sending MIB MiB of chunk
                                              extension; prints how many got an answer
"""
import socket
import sys
import threading


def exchange(port, raw, timeout=10):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        try:
            s.sendall(raw)
        except OSError:
            pass  # a server that has answered may stop reading: its answer still counts
        out = b""
        while True:
            try:
                d = s.recv(65536)
            except OSError:
                break
            if not d:
                break
            out += d
        return out
    finally:
        s.close()


def trailer(port, path):
    raw = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
           "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nX-T: ").encode() + b"y" * 70000 + b"\r\n\r\n"
    out = exchange(port, raw)
    print(out.split(b"\r\n", 1)[0].decode(errors="replace") or "(closed)")


def smuggle(port):
    inner = f"GET /health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
    raw = (f"POST /api/v1/checkout/safe HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
           "Content-Type: application/json\r\nTransfer-Encoding: gzip\r\nIdempotency-Key: smug-1\r\n\r\n"
           + inner).encode()
    print(exchange(port, raw).count(b"HTTP/1.1 "))


def extensions(port, connections, mib):
    answered = []

    def one():
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        head = (f"POST /api/v1/checkout/safe HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2;").encode()
        chunk = b"e" * 65536
        try:
            s.sendall(head)
            for _ in range(mib * 16):  # bounded: MIB MiB, then give up
                s.sendall(chunk)
        except OSError:
            pass  # the server cut us off: what it said before that is what counts
        try:
            if s.recv(64).startswith(b"HTTP/1.1 4"):
                answered.append(1)
        except OSError:
            pass
        s.close()

    threads = [threading.Thread(target=one) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(len(answered))


if __name__ == "__main__":
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "trailer":
        trailer(port, sys.argv[3])
    elif mode == "smuggle":
        smuggle(port)
    elif mode == "extensions":
        extensions(port, int(sys.argv[3]), int(sys.argv[4]))
