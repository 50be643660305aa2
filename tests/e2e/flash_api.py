#!/usr/bin/env python3
"""A flash-sale API written for the tests, sharing no code with stampede-target, that answers the
way common real checkouts do: a sale is 200 {"status": "success", "remaining_stock": N} with no
order id, sold out is a 400 whose body says "Sold out" beside other 400s (a blocked user), and
there is no ledger. /racy/buy reads, waits and writes the stock back (the lost update); /locked/buy
does the same under a lock. GET /<route>/stock and POST /<route>/reset?stock=N for the test.

Usage: flash_api.py [CERT KEY]  (prints "flash_api listening on PORT [tls PORT]" and serves
127.0.0.1 until killed; with a certificate and key, the same routes over HTTPS on a second port)
"""
import json
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

STOCK = {"racy": 0, "locked": 0}
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        route = urlparse(self.path).path.strip("/").split("/")
        if len(route) == 2 and route[0] in STOCK and route[1] == "stock":
            return self.answer(200, {"stock": STOCK[route[0]]})
        self.answer(404, {"detail": "Not Found"})

    def do_POST(self):
        url = urlparse(self.path)
        route = url.path.strip("/").split("/")
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if len(route) != 2 or route[0] not in STOCK:
            return self.answer(404, {"detail": "Not Found"})
        name, action = route
        if action == "reset":
            STOCK[name] = int(parse_qs(url.query)["stock"][0])
            return self.answer(200, {"stock": STOCK[name]})
        if action != "buy":
            return self.answer(404, {"detail": "Not Found"})
        try:
            user = json.loads(raw)["user"]
        except (ValueError, KeyError, TypeError):
            return self.answer(422, {"detail": "body must be JSON with a user"})
        # Another refusal under the same status as sold out: every seventh user is blocked.
        if sum(user.encode()) % 7 == 3:
            return self.answer(400, {"detail": "This user is blocked"})
        if name == "locked":
            with LOCK:
                return self.sell(name, wait=0)
        return self.sell(name, wait=0.002)

    def sell(self, name, wait):
        left = STOCK[name]
        if left <= 0:
            return self.answer(400, {"detail": "Sold out"})
        if wait:
            time.sleep(wait)  # the read-modify-write window the racy route exists for
        STOCK[name] = left - 1
        self.answer(200, {"status": "success", "remaining_stock": left - 1})


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    line = f"flash_api listening on {server.server_address[1]}"
    if len(sys.argv) == 3:
        tls = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        tls.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[1], sys.argv[2])
        tls.socket = context.wrap_socket(tls.socket, server_side=True)
        threading.Thread(target=tls.serve_forever, daemon=True).start()
        line += f" tls {tls.server_address[1]}"
    print(line, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
