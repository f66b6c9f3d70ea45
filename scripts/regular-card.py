#!/usr/bin/env python3
"""Prints the card of a regular of store S001 (8 or more purchase lines) in a generated
export: the card the Swift scenarios and tests scan.

    scripts/regular-card.py EXPORT_DIR
"""
import collections
import json
import sys

export = sys.argv[1]
with open(f"{export}/purchases.jsonl") as purchases:
    lines = collections.Counter(json.loads(line)["customer_id"] for line in purchases)
with open(f"{export}/customers.jsonl") as customers:
    for line in customers:
        customer = json.loads(line)
        if customer["home_store_id"] == "S001" and lines[customer["id"]] >= 8:
            print(customer["card"])
            break
