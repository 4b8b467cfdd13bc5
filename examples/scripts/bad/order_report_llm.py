# What a model writes for "total each customer's orders" when nobody told it
# about the sandbox: imports, mutation in place, try/except, str.format.
import json
from collections import defaultdict

totals = {}
counts = defaultdict(int)
seen = set()
for customer_id in customer_ids:
    try:
        orders = fetch_orders(customer_id)
    except Exception as exc:
        print("failed: {}".format(exc))
        continue
    for order in orders:
        for line in order["lines"]:
            totals[customer_id] = totals.get(customer_id, 0) + line["quantity"] * line["unit_price"]
        counts[customer_id] += 1
    seen.add(customer_id)

flagged = [c for c in totals if totals[c] >= threshold]
flagged.sort()
assert len(flagged) <= len(customer_ids), "more flagged than customers"
json.dumps({"flagged": flagged, "counts": dict(counts)})
