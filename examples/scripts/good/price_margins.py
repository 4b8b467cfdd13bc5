# Rank products by margin, retrying a flaky price service a few times.
# Inputs: skus, unit_costs, min_margin, region. Task: get_quote.


def lookup_price(sku):
    attempts = 0
    while attempts < 3:
        quote = get_quote(sku, region=region)
        if quote["ok"]:
            return quote["price"]
        attempts = attempts + 1
    raise ValueError("no price for %s after %d attempts" % (sku, attempts))


costs = {sku: cost for sku, cost in zip(skus, unit_costs)}
rows = []
for sku in skus:
    price = lookup_price(sku)
    margin = (price - costs[sku]) / price if price > 0 else 0.0
    rows.append((sku, price, margin))

ranked = sorted(rows, key=lambda row: row[2], reverse=True)
keep = [sku for sku, _, margin in ranked if margin >= min_margin]
labels = ["%d. %s (%.0f%%)" % (rank, sku, margin * 100) for rank, (sku, _, margin) in enumerate(ranked, start=1)]
best, *rest = ranked if ranked else [(None, 0.0, 0.0)]

{"keep": keep, "labels": labels, "best": best[0], "others": len(rest)}
