#!/usr/bin/env python3
"""A TCP relay that holds every chunk for a delay with jitter, in order, before passing it on.

The network-fault tests put it between the agents and the coordinator for "200 ms of delay with
jitter", since this kernel has no netem. Prints "relay listening on HOST:PORT" once ready and a
line per connection; each direction keeps its own order, as TCP would.

  delay_relay.py LISTEN_HOST TO_HOST:TO_PORT DELAY_MS JITTER_MS
"""
import asyncio
import random
import sys


async def pump(reader, writer, delay, jitter, counts):
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def release():
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                break
            writer.write(data)
            await writer.drain()
        writer.close()

    sender = asyncio.create_task(release())
    last_due = 0.0
    try:
        while True:
            data = await reader.read(65536)
            # Never before the chunk ahead of it: jitter reorders nothing inside one stream.
            last_due = max(last_due, loop.time() + (delay + random.uniform(-jitter, jitter)) / 1000)
            await queue.put((last_due, data))
            if not data:
                break
            counts[0] += 1
    except ConnectionError:
        await queue.put((last_due, b""))
    await sender


async def main():
    listen_host, to, delay, jitter = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
    to_host, to_port = to.rsplit(":", 1)
    counts = [0]

    async def on_client(client_reader, client_writer):
        peer = client_writer.get_extra_info("peername")
        try:
            server_reader, server_writer = await asyncio.open_connection(to_host, int(to_port))
        except OSError as e:
            print(f"relay: cannot reach {to}: {e}", flush=True)
            client_writer.close()
            return
        print(f"relay: connection from {peer[0]}", flush=True)
        await asyncio.gather(pump(client_reader, server_writer, delay, jitter, counts),
                             pump(server_reader, client_writer, delay, jitter, counts),
                             return_exceptions=True)
        print(f"relay: connection from {peer[0]} closed, {counts[0]} chunks delayed so far", flush=True)

    server = await asyncio.start_server(on_client, listen_host, 0)
    host, port = server.sockets[0].getsockname()[:2]
    print(f"relay listening on {host}:{port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
