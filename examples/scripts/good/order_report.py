# Total each customer's orders and flag the customers above a threshold.
# Inputs: customer_ids, threshold. Task: fetch_orders.


def order_total(order):
    total = 0.0
    for line in order["lines"]:
        total = total + line["quantity"] * line["unit_price"]
    return round(total, 2)


def tier(spent):
    if spent >= threshold * 10:
        return "platinum"
    elif spent >= threshold:
        return "gold"
    return "standard"


rows = []
flagged = []
for customer_id in customer_ids:
    orders = fetch_orders(customer_id)
    if not orders:
        continue
    totals = [order_total(order) for order in orders]
    spent = sum(totals)
    if spent >= threshold:
        flagged.append(customer_id)
    rows.append({"customer": customer_id, "orders": len(orders), "spent": spent, "tier": tier(spent)})

by_tier = {name: [row["customer"] for row in rows if row["tier"] == name] for name in ["platinum", "gold", "standard"]}

{
    "rows": rows,
    "flagged": flagged,
    "by_tier": by_tier,
    "summary": f"{len(flagged)} of {len(customer_ids)} customers spent at least {threshold:.2f}",
}
