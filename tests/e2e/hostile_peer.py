#!/usr/bin/env python3
"""A stock URL that answers as a hostile or broken target would, on 127.0.0.1:PORT, for the e2e
tests (it shares no code with stampede-target):

  hostile_peer.py PORT huge       {"stock": 18446744073709551615}
  hostile_peer.py PORT silent     accepts, reads the request, never answers (for up to 120 s)
  hostile_peer.py PORT trailer    a chunked answer whose trailer field is 70 KB

and as a checkout that would take an agent down:

  hostile_peer.py PORT endless     a chunked body that never ends (4 KiB chunks, for up to 30 s)
  hostile_peer.py PORT headers64k  64 KiB of header lines before the body
  hostile_peer.py PORT slow        a valid answer at one byte a second
  hostile_peer.py PORT badstatus   a malformed status line
  hostile_peer.py PORT hugelength  Content-Length: 1000000000, a few bytes, then it closes
  hostile_peer.py PORT tlsstall CERT KEY
                                   a TLS server for its first connection (the coordinator's
                                   check of the target), then a handshake that never comes

It serves until it is killed, one thread a connection.
"""
import socket
import ssl
import sys
import threading
import time

port, mode = int(sys.argv[1]), sys.argv[2]
connections = 0


def read_head(sock):
    """Reads a request's head; False when the peer closed first."""
    data = b""
    while b"\r\n\r\n" not in data:
        d = sock.recv(4096)
        if not d:
            return False
        data += d
    return True


def serve_tls_once(conn):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[3], sys.argv[4])
    with context.wrap_socket(conn, server_side=True) as tls:
        tls.settimeout(10)
        if not read_head(tls):
            return
        tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


def serve(conn):
    global connections
    connections += 1
    if mode == "tlsstall":
        try:
            if connections == 1:
                serve_tls_once(conn)
            else:
                time.sleep(30)  # the ClientHello is read by nobody
        except (OSError, ssl.SSLError):
            pass
        finally:
            conn.close()
        return
    try:
        conn.settimeout(130)
        if not read_head(conn):
            return
        if mode == "silent":
            time.sleep(120)
            return
        if mode == "huge":
            body = b'{"stock": 18446744073709551615}'
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                         + str(len(body)).encode() + b"\r\n\r\n" + body)
        elif mode == "endless":
            conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                conn.sendall(b"1000\r\n" + b"x" * 4096 + b"\r\n")
        elif mode == "headers64k":
            conn.sendall(b"HTTP/1.1 200 OK\r\n" + b"X-Pad: " + b"h" * 100 + b"\r\n" * 1 +
                         (b"X-Pad: " + b"h" * 100 + b"\r\n") * 650 +
                         b"Content-Length: 2\r\n\r\n{}")
        elif mode == "slow":
            answer = b'HTTP/1.1 200 OK\r\nContent-Length: 19\r\n\r\n{"order_id": "o-1"}'
            for i in range(len(answer)):
                conn.sendall(answer[i:i + 1])
                time.sleep(1)
        elif mode == "badstatus":
            conn.sendall(b"HTTP/1.1 2OO OK\r\nContent-Length: 2\r\n\r\n{}")
        elif mode == "hugelength":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n{\"order")
        elif mode == "trailer":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nX-T: "
                         + b"y" * 70000 + b"\r\n\r\n")
        time.sleep(1)
    except OSError:
        pass
    finally:
        conn.close()


listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", port))
listener.listen(64)
print("listening", flush=True)
while True:
    c, _ = listener.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
