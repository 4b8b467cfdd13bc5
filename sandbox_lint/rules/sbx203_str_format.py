from __future__ import annotations

import ast
import re
from dataclasses import dataclass

import libcst as cst

from .base import Context, Invalid, Replacement, Rule, Valid, code_of
from .suggestions import elide, reindent_safe


_METHODS = frozenset({"format", "format_map"})
# Escapes that can neither produce a brace nor contain one: the literal text
# means the same inside `str.format` and inside an f-string.
_PLAIN_ESCAPES = frozenset("ntr\\'\"abfv\n")
# Arguments that are safe to evaluate twice or out of order.
_PURE = (cst.Name, cst.Integer, cst.Float, cst.SimpleString)
# Expressions that would end an f-string replacement field early unless parenthesized.
_NEEDS_PARENS = (cst.Lambda, cst.Dict, cst.DictComp, cst.Set, cst.SetComp)


@dataclass(frozen=True)
class _Field:
    start: int  # index of `{` in the literal body
    end: int  # index after `}`
    name: str  # "" (automatic), digits, or an identifier
    conversion: str  # "", "!r", "!s", "!a"
    spec: str  # "" or ":..." without nested fields


class _NoFix(Exception):
    """The call cannot be rewritten exactly; the reason is for the message."""


def _parse_fields(body: str, raw: bool) -> list[_Field]:
    fields: list[_Field] = []
    i = 0
    n = len(body)
    while i < n:
        char = body[i]
        if char == "\\" and not raw:
            following = body[i + 1 : i + 2]
            if following not in _PLAIN_ESCAPES or not following:
                raise _NoFix("the string has escape sequences that an f-string would read differently")
            i += 2
            continue
        if char == "{":
            if body[i + 1 : i + 2] == "{":
                i += 2
                continue
            close = body.find("}", i + 1)
            nested = body.find("{", i + 1)
            if close < 0:
                raise _NoFix("the format string has an unclosed `{`")
            if 0 <= nested < close:
                raise _NoFix("a format spec has a nested field")
            fields.append(_parse_field(body[i + 1 : close], i, close + 1))
            i = close + 1
            continue
        if char == "}":
            if body[i + 1 : i + 2] == "}":
                i += 2
                continue
            raise _NoFix("the format string has a single `}`")
        i += 1
    return fields


def _parse_field(content: str, start: int, end: int) -> _Field:
    cut = len(content)
    for index, char in enumerate(content):
        if char in "!:":
            cut = index
            break
    name, rest = content[:cut], content[cut:]
    conversion = ""
    if rest.startswith("!"):
        conversion, rest = rest[:2], rest[2:]
        if conversion not in ("!r", "!s", "!a") or (rest and not rest.startswith(":")):
            raise _NoFix(f"the field `{{{content}}}` has an invalid conversion")
    if name and not name.isdigit() and not (name.isidentifier() and name.isascii()):
        if "." in name or "[" in name:
            raise _NoFix(f"the field `{{{content}}}` reads an attribute or an item")
        raise _NoFix(f"the field `{{{content}}}` is not a plain `{{}}`, `{{0}}` or `{{name}}` field")
    if "\\" in rest:
        raise _NoFix("a format spec has a backslash")
    return _Field(start, end, name, conversion, rest)


def _argument_text(value: cst.BaseExpression, quote: str) -> str:
    text = code_of(value)
    if quote[0] in text or "\\" in text or "\n" in text or "#" in text:
        raise _NoFix("an argument cannot be placed inside the f-string as written")
    if isinstance(value, _NEEDS_PARENS) or text.startswith("{") or ("lambda" in text and not value.lpar):
        text = f"({text})"
    return text


_ESCAPE = re.compile(r"\\(?:N\{[^}]*\}|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|.|\n)", re.DOTALL)
# Python's format-spec mini-language: [[fill]align][sign][z][#][0][width][grouping][.precision][type]
_STANDARD_SPEC = re.compile(r"(?:.?[<>=^])?[-+ ]?z?#?0?\d*[,_]?(?:\.\d+)?[bcdeEfFgGnosxX%]?", re.DOTALL)


def _unescape(text: str) -> str | None:
    """The text a non-raw f-string literal part means (escapes processed); None if
    an escape does not decode."""
    def one(match: re.Match[str]) -> str:
        value = ast.literal_eval('"' + match.group(0) + '"')
        assert isinstance(value, str)
        return value

    try:
        return _ESCAPE.sub(one, text)
    except (ValueError, SyntaxError, AssertionError):
        return None


def spec_problem(expression: cst.FormattedStringExpression, raw: bool) -> str | None:
    """Why the format spec of `expression` is refused, or None for a plain literal spec."""
    spec = expression.format_spec
    if not spec:
        return None
    text = ""
    for part in spec:
        if isinstance(part, cst.FormattedStringExpression):
            return "it has a replacement field: a spec computed at run time can carry format fields"
        assert isinstance(part, cst.FormattedStringText)
        text += part.value
    meaning = text if raw else _unescape(text)
    if meaning is None:
        return "it has an escape sequence that does not decode"
    # Quoted escaped (no control characters reach the message); a long spec is described, never cut.
    shown = f"`{repr(meaning)[1:-1]}`" if len(meaning) <= 40 else f"{len(meaning)} characters long"
    if "{" in meaning or "}" in meaning:
        return f"after escape processing it holds a brace ({shown}): a format field inside a spec"
    if "__" in meaning:
        return f"after escape processing it holds dunder text ({shown})"
    if not _STANDARD_SPEC.fullmatch(meaning):
        return f"it is not a standard format spec ({shown}; [[fill]align][sign][#][0][width][,][.precision][type])"
    return None


def to_fstring(call: cst.Call) -> str:
    """The f-string equal to `"...".format(...)`; raises _NoFix when there is none."""
    func = call.func
    assert isinstance(func, cst.Attribute)
    literal = func.value
    if func.attr.value != "format":
        raise _NoFix("`.format_map()` reads keys at run time")
    if not isinstance(literal, cst.SimpleString):
        raise _NoFix("the format string is not a single string literal")
    prefix = literal.prefix
    if prefix.lower() not in ("", "r", "u"):
        raise _NoFix("the format string is a bytes literal")
    quote = literal.quote
    body = literal.value[len(prefix) + len(quote) : len(literal.value) - len(quote)]
    raw = prefix.lower() == "r"
    fields = _parse_fields(body, raw)

    positional: list[cst.Arg] = []
    keywords: dict[str, cst.Arg] = {}
    for arg in call.args:
        if arg.star:
            raise _NoFix("the call unpacks `*args`/`**kwargs`")
        if arg.keyword is None:
            positional.append(arg)
        else:
            keywords[arg.keyword.value] = arg
    rest = code_of(call)[len(code_of(literal)) :]
    if "#" in rest:
        raise _NoFix("the call has comments")

    automatic = [f for f in fields if f.name == ""]
    if automatic and len(automatic) != len(fields) and any(f.name.isdigit() for f in fields):
        raise _NoFix("the format string mixes `{}` and `{0}` fields")
    chosen: list[cst.Arg] = []
    next_auto = 0
    for f in fields:
        if f.name == "":
            index = next_auto
            next_auto += 1
        elif f.name.isdigit():
            index = int(f.name)
        else:
            if f.name not in keywords:
                raise _NoFix(f"no argument is named `{f.name}`")
            chosen.append(keywords[f.name])
            continue
        if index >= len(positional):
            raise _NoFix(f"there is no positional argument {index}")
        chosen.append(positional[index])

    used = {id(arg) for arg in chosen}
    if len(used) != len(call.args):
        raise _NoFix("some arguments are not used by the format string")
    first_use: list[cst.Arg] = []
    seen: set[int] = set()
    for arg in chosen:
        if id(arg) not in seen:
            seen.add(id(arg))
            first_use.append(arg)
    in_order = [id(a) for a in first_use] == [id(a) for a in call.args]
    repeated = len(chosen) != len(first_use)
    if (not in_order or repeated) and not all(isinstance(a.value, _PURE) for a in call.args):
        raise _NoFix("the f-string would evaluate the arguments in a different order or more than once")

    parts: list[str] = []
    cursor = 0
    for f, arg in zip(fields, chosen):
        parts.append(body[cursor : f.start])
        parts.append("{" + _argument_text(arg.value, quote) + f.conversion + f.spec + "}")
        cursor = f.end
    parts.append(body[cursor:])
    new_prefix = ("r" if prefix == "r" else "R" if prefix == "R" else "") + "f"
    # The fix replaces the call's own range, which excludes its parentheses.
    return new_prefix + quote + "".join(parts) + quote


def _shown(replacement: str) -> str:
    """The f-string for a message: whole, or elided (its long fields become `...`)."""
    if len(replacement) <= 80 and "\n" not in replacement:
        return replacement
    try:
        return elide(cst.parse_expression(replacement))
    except cst.ParserSyntaxError:  # pragma: no cover - to_fstring builds valid code
        return replacement


class StrFormat(Rule):
    """
    ## What it does
    Rejects `.format()` and `.format_map()` calls, and references to those
    methods. Rejects f-string format specs that are not plain literal
    specs: a spec with a replacement field (`f"{x:{w}}"`), a spec that holds
    a brace or dunder text once its escapes are processed
    (`f"{d:'\\x7B__class__\\x7D'}"`), or anything outside Python's format-spec
    mini-language (`[[fill]align][sign][#][0][width][,][.precision][type]`).

    ## Why is this bad?
    Format fields can read attributes and items of the arguments:
    `"{0.__class__.__init__.__globals__}".format(x)` walks to interpreter
    internals inside a string, where no name rule can see it. F-strings and
    `%` formatting do the same job with the expressions in plain sight. A
    format spec is handed to the value's own formatting at run time; a spec
    that spells braces through escapes (`\\x7B`, `\\N{LEFT CURLY BRACKET}`)
    or is computed at run time smuggles format fields past the checker the
    same way. Instead of a computed spec (`f"{name:>{width}}"`), pad with
    string operations (`" " * (width - len(name)) + name`).

    ## Example
    ```python
    label = "{} has {count} items".format(name, count=n)
    ```

    ## Use instead
    ```python
    label = f"{name} has {n} items"
    ```

    ## Fix safety
    No fix for format specs. For `.format()`: safe, offered only when the rewrite is exact: the receiver is one plain
    (or raw) string literal, its fields are `{}`, `{0}` or `{name}` with an
    optional `!r`/`!s`/`!a` conversion and a format spec without nested
    fields, the arguments are plain positional or keyword expressions (no
    `*`/`**`), every argument is used, arguments with side effects are used
    once and in call order, and each argument can be written inside the
    f-string as is (no quote of the literal's kind, backslash, newline or
    comment). Everything else is reported without a fix.
    """

    code = "SBX203"
    name = "str-format"
    summary = "`.format()` is not allowed: write an f-string"
    category = "security"
    severity = "error"
    inspects = (cst.Attribute, cst.FormattedStringExpression)
    fixable = "safe"
    VALID = [
        'name = "a"\nlabel = f"hello {name}"\n',
        'n = 3\nlabel = "%d items" % n\n',
        Valid("row = {'format': 1}\nv = row['format']\n"),
        'x = 2.5\ns = f"{x:>10.2f} {x:,} {x:.1%} {x:_^9} {x!r:>8} {x:#x}"\n',
        'n = 7\ns = f"{n:08d} {n:+} {n:e}"\n',
        'x = 1\ns = rf"{x:>4}\\d"\n',
    ]
    INVALID = [
        Invalid('x = 1\ns = "value: {}".format(x)\n', fixed='x = 1\ns = f"value: {x}"\n', line=2, column=5),
        Invalid(
            "a = 1\nb = 2\ns = '{1} then {0}'.format(a, b)\n",
            fixed="a = 1\nb = 2\ns = f'{b} then {a}'\n",
        ),
        Invalid('n = 2.5\ns = "{n:>8.2f} {n!r}".format(n=n)\n', fixed='n = 2.5\ns = f"{n:>8.2f} {n!r}"\n'),
        Invalid('s = "{0.__class__}".format(1)\n'),
        Invalid('d = {"k": 1}\ns = "{k}".format_map(d)\n'),
        Invalid('template = "{}"\ns = template.format(3)\n'),
        Invalid('f = "{}".format\n'),
        Invalid("s = f\"{dict:'\\x7B__fstring__.__class__.s\\x7D'}\"\n", line=1, column=7),
        "s = f'{dict:\\173x\\175}'\n",
        "s = f'{dict:\\u007b0\\u007d}'\n",
        "w = 5\nv = 'a'\ns = f'{v:>{w}}'\n",
        "v = 'a'\ns = f'{v:__class__}'\n",
        "v = 'a'\ns = f'{v:%Y-%m}'\n",
        "v = 'a'\ns = f'{v:{{}}}'\n",
        "v = 'a'\ns = f'{v:\\x1b[2J}'\n",
    ]

    def visit(self, node: cst.CSTNode, ctx: Context) -> None:
        if isinstance(node, cst.FormattedStringExpression):
            self._check_spec(node, ctx)
            return
        assert type(node) is cst.Attribute
        method = node.attr.value
        if method not in _METHODS:
            return
        parent = ctx.parent
        if not (isinstance(parent, cst.Call) and parent.func is node):
            ctx.report(
                self,
                node,
                f"`.{method}` is not allowed: format fields can read attributes (`{{0.__class__}}`); "
                "build the text with an f-string instead",
            )
            return
        try:
            replacement = to_fstring(parent)
        except _NoFix as reason:
            ctx.report(
                self,
                parent,
                f"`.{method}()` is not allowed: format fields can read attributes (`{{0.__class__}}`); "
                f"write an f-string with the values in plain sight (no automatic fix: {reason})",
            )
            return
        shown = _shown(replacement)
        fix: Replacement | None = None
        if "\n" not in replacement or reindent_safe(parent, ctx):  # re-indenting would change a multi-line string
            fix = Replacement(parent, replacement, f"Rewrite as `{shown}`")
        ctx.report(self, parent, f"`.{method}()` is not allowed: format fields can read attributes; write `{shown}`", fix)

    def _check_spec(self, node: cst.FormattedStringExpression, ctx: Context) -> None:
        raw = False
        for ancestor in reversed(ctx.ancestors):
            if isinstance(ancestor, cst.FormattedString):
                raw = "r" in ancestor.prefix.lower()
                break
        problem = spec_problem(node, raw)
        if problem is not None:
            ctx.report(
                self,
                node,
                f"this f-string format spec is not allowed: {problem}; write a plain literal spec "
                "such as `:>10` or `:.2f`, or build the padding with string operations",
            )
