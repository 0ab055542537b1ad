#!/usr/bin/env python3
"""The smallest Sluice process plugin (docs/plugins.md): echoes every batch, each event marked "wasm": true."""
import json
import sys

for line in sys.stdin:
    frame = json.loads(line)
    kind = frame["type"]
    if kind == "hello":
        reply = {"type": "hello", "protocol": 1}
    elif kind == "config":
        reply = {"type": "ack"}
    elif kind in ("batch", "finish"):
        events = frame.get("events", [])
        for event in events:
            event["wasm"] = True
        reply = {"type": "result", "id": frame["id"], "events": events}
    else:
        reply = {"type": kind, "id": frame.get("id")}
    sys.stdout.write(json.dumps(reply, separators=(",", ":")) + "\n")
    sys.stdout.flush()
