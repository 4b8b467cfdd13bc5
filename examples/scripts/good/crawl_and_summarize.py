# Fetch pages concurrently in batches, then summarize the ones that loaded.
# Inputs: urls, batch_size. Async tasks: fetch_page, summarize.


async def fetch_batch(batch):
    return await gather(*[fetch_page(url) for url in batch])


def is_ok(page):
    return page["status"] == "200" and len(page["text"]) > 0


pages = []
for start in range(0, len(urls), batch_size):
    batch = urls[start : start + batch_size]
    pages.extend(await fetch_batch(batch))

loaded = [page for page in pages if is_ok(page)]
failed = [page["url"] for page in pages if not is_ok(page)]
summary = await summarize([page["text"] for page in loaded], max_words=200) if loaded else ""

{"summary": summary, "loaded": len(loaded), "failed": failed}
