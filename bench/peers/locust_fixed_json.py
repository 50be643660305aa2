"""Locust's side of "agent vs Locust": each user GETs nginx's fixed JSON body back to back on
its own keep-alive connection, as each Stampede virtual user does (FastHttpUser, no wait)."""
import os

from locust import FastHttpUser, constant, task

PATH = os.environ.get("BENCH_PATH", "/bench.json")


class FixedJsonReader(FastHttpUser):
    wait_time = constant(0)

    @task
    def read(self):
        self.client.get(PATH)
