# An object-oriented attempt: a class with state, a context manager, a
# decorator, a generator, globals and deletes.
import functools


class Report:
    def __init__(self, name):
        self.name = name
        self.rows = []

    def add(self, row):
        self.rows.append(row)


count = 0


def bump():
    global count
    count += 1


@functools.lru_cache(maxsize=None)
def cached_quote(sku):
    return get_quote(sku)


def quotes():
    for sku in skus:
        yield cached_quote(sku)


report = Report("margins")
with open("/tmp/report.txt", "w") as handle:
    for quote in quotes():
        report.add(quote)
        bump()
        handle.write(str(quote))

match report.rows:
    case []:
        status = "empty"
    case _:
        status = "ok"

del report.rows[0]
result = {"status": status, "rows": report.rows, "count": count}
return result
