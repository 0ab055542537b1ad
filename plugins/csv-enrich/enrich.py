#!/usr/bin/env python3
"""Sluice process plugin: enriches events from a CSV lookup table.

Speaks the NDJSON frame protocol of docs/plugins.md on standard input and output: answers `hello`,
reads the table when `config` arrives, then answers each `batch` with a `result`.
"""
import csv
import json
import sys


def send(frame):
    sys.stdout.write(json.dumps(frame, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def load_table(options):
    with open(options["table"], newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    key_column = options["key_column"]
    if rows and key_column not in rows[0]:
        raise ValueError(f"the table has no column '{key_column}'")
    prefix = options["prefix"]
    return {
        row[key_column]: {prefix + name: value for name, value in row.items() if name != key_column}
        for row in rows
    }


def lookup(event, path):
    value = event
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def main():
    table, key, keep_missing = {}, "", True
    for line in sys.stdin:
        frame = json.loads(line)
        kind = frame["type"]
        if kind == "hello":
            if 1 not in frame["protocol"]:
                send({"type": "error", "message": "this plugin speaks protocol version 1 only"})
                return
            send({"type": "hello", "protocol": 1, "name": "csv-enrich", "version": "1.0.0"})
        elif kind == "config":
            options = frame["options"]
            try:
                table = load_table(options)
            except (OSError, ValueError) as error:
                send({"type": "error", "message": f"cannot read the table: {error}"})
                return
            key, keep_missing = options["key"], options["missing"] != "drop"
            send({"type": "ack"})
        elif kind == "batch":
            events = []
            for event in frame["events"]:
                row = table.get(str(lookup(event, key)))
                if row is not None:
                    event.update(row)
                    events.append(event)
                elif keep_missing:
                    events.append(event)
            send({"type": "result", "id": frame["id"], "events": events})
        elif kind == "heartbeat":
            send({"type": "heartbeat", "id": frame["id"]})
        elif kind == "finish":
            send({"type": "result", "id": frame["id"], "events": []})


if __name__ == "__main__":
    main()
