"""Locust's side of the flash-sale comparison: each user buys on stampede-target's safe
endpoint back to back with a fresh Idempotency-Key, as Stampede's virtual users do. 201
(bought) and 409 (sold out) are both definite answers, so both count as successes; anything
else is a failure. Locust keeps counts and latencies; it has no view of the target's stock or
ledger, so it cannot say whether the sale oversold."""
import itertools
import json
import os
import uuid

import locust.runners
from locust import FastHttpUser, constant, task

if not locust.runners.__version__:
    # Debian's python3-locust 2.12.1-1 ships an empty version string; a master takes a worker
    # whose "client_ready" carries no version for a pre-2.0 one and refuses it. Master and workers
    # all import this file, so they agree on the stand-in.
    locust.runners.__version__ = "2.12.1"

RUN = uuid.uuid4().hex[:12]
COUNTER = itertools.count()


class FlashSaleBuyer(FastHttpUser):
    wait_time = constant(0)

    def on_start(self):
        self.user_id = "u-%s-%d" % (RUN, next(COUNTER))

    @task
    def buy(self):
        body = json.dumps({"product_id": 1, "user_id": self.user_id, "quantity": 1})
        headers = {"Content-Type": "application/json",
                   "Idempotency-Key": "%s-%d" % (RUN, next(COUNTER))}
        with self.client.post("/api/v1/checkout/safe", data=body, headers=headers,
                              catch_response=True) as response:
            if response.status_code in (201, 409):
                response.success()
            else:
                response.failure("status %s" % response.status_code)
