# Plausible mistakes against the interface: misspelled task, wrong arity,
# unknown keyword, shadowed builtins, a forgotten await, a task in a callback.


async def first_text(batch):
    return fetch_page(batch[0])["text"]


def first_page():
    return await fetch_page(urls[0])


orders = fetch_order(customer_ids[0])
quote = get_quote()
other = get_quote("sku-1", currency="EUR")
len = 3
ranked = sorted(skus, key=lambda sku: get_quote(sku)["price"])
text = await first_text(urls)
x = y + 1

{"orders": orders, "quote": quote, "other": other, "ranked": ranked, "text": text, "x": x}
