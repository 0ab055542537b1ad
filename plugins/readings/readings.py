#!/usr/bin/env python3
"""Sluice process source plugin: emits temperature readings (docs/plugins.md).

After the handshake it sends `batch` frames and waits for each one's `ack` (that is backpressure), and
sends `end` when it has emitted `count` readings. Standard input closing means the runner is stopping.
"""
import json
import math
import sys
import time


def send(frame):
    sys.stdout.write(json.dumps(frame, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def receive():
    line = sys.stdin.readline()
    return json.loads(line) if line else None


def main():
    hello = receive()
    if hello is None or 1 not in hello["protocol"]:
        return
    send({"type": "hello", "protocol": 1, "name": "readings", "version": "1.0.0"})
    config = receive()
    if config is None:
        return
    options = config["options"]
    sensors, count, batch = options["sensors"], options["count"], max(1, options["batch"])
    if not sensors:
        send({"type": "error", "message": "'sensors' must name at least one sensor"})
        return
    send({"type": "ack"})
    sequence, batch_id = 0, 0
    while count == 0 or sequence < count:
        size = batch if count == 0 else min(batch, count - sequence)
        events = []
        for _ in range(size):
            sensor = sensors[sequence % len(sensors)]
            celsius = round(15 + 10 * math.sin(sequence / 10) + sensors.index(sensor), 2)
            events.append({"sensor": sensor, "celsius": celsius, "seq": sequence, "ts": int(time.time() * 1000)})
            sequence += 1
        batch_id += 1
        send({"type": "batch", "id": batch_id, "events": events})
        while True:
            frame = receive()
            if frame is None:
                return
            if frame["type"] == "ack" and frame["id"] == batch_id:
                break
        if options["interval"] > 0:
            time.sleep(options["interval"] / 1000)
    send({"type": "end"})


if __name__ == "__main__":
    main()
