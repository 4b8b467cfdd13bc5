# Code that tries to get out of the sandbox: dynamic evaluation, dunder
# attribute chains, format-spec attribute access, reflection builtins.
payload = "__import__('os').system('id')"
eval(payload)
exec(compile(payload, "<x>", "exec"))

subclasses = ().__class__.__bases__[0].__subclasses__()
loader = [c for c in subclasses if c.__name__ == "BuiltinImporter"]
secret = "{0.__init__.__globals__}".format(fetch_orders)
also = getattr(fetch_orders, "__globals__")
names = dir()
scope = globals()
_hidden = 1
role = "user‮ ⁦# admin⁩ ⁦"

ｅｖａｌ("1 + 1")
[scope, also, names, loader, secret, _hidden, role]
