"""GitLab CI's variable expansion and `rules:if` expressions, as the local executor
(scripts/ci-local/gitlab.py) evaluates them.

Expressions: `$VAR` / `${VAR}` (true when set and non-empty), string literals in
double or single quotes, `null`, regex literals `/re/flags`, the operators
`==`, `!=`, `=~`, `!~`, `&&` (binds tighter) and `||`, and parentheses, as in
https://docs.gitlab.com/ee/ci/jobs/job_rules.html#cicd-variable-expressions.
Regexes are Python's `re`, not RE2: the two agree on the patterns templates use.
Anything else raises `ExpressionError` (the executor fails loudly, never guesses).
"""
import re

_VAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


class ExpressionError(Exception):
    pass


def expand(text, variables):
    """`$VAR` and `${VAR}` replaced by their values (unset: empty), `$$` by `$`."""
    def sub(m):
        if m.group(0) == "$$":
            return "$"
        return variables.get(m.group(1) or m.group(2)) or ""
    return _VAR.sub(sub, str(text))


_TOKEN = re.compile(r"""\s*(?:
    (?P<var>\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$[A-Za-z_][A-Za-z0-9_]*)
  | (?P<str>"[^"]*"|'[^']*')
  | (?P<regex>/(?:\\.|[^/\\])*/[imsx]*)
  | (?P<null>null\b)
  | (?P<op>==|!=|=~|!~|&&|\|\|)
  | (?P<paren>[()])
)""", re.X)


def tokenize(expr):
    tokens, pos = [], 0
    expr = expr.strip()
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if not m or m.end() == pos:
            raise ExpressionError("cannot parse rules:if at %r" % expr[pos:pos + 20])
        kind = m.lastgroup
        tokens.append((kind, m.group(kind)))
        pos = m.end()
        while pos < len(expr) and expr[pos].isspace():
            pos += 1
    return tokens


class _Parser:
    def __init__(self, tokens, variables):
        self.tokens, self.i, self.vars = tokens, 0, variables

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else (None, None)

    def take(self):
        t = self.peek()
        self.i += 1
        return t

    def parse(self):
        value = self.or_expr()
        if self.i != len(self.tokens):
            raise ExpressionError("unexpected %r in rules:if" % (self.peek()[1],))
        return value

    def or_expr(self):
        value = self.and_expr()
        while self.peek() == ("op", "||"):
            self.take()
            right = self.and_expr()
            value = value or right
        return value

    def and_expr(self):
        value = self.comparison()
        while self.peek() == ("op", "&&"):
            self.take()
            right = self.comparison()
            value = value and right
        return value

    def operand(self):
        kind, text = self.take()
        if kind == "var":
            return ("value", self.vars.get(text.strip("${}")))
        if kind == "str":
            return ("value", text[1:-1])
        if kind == "null":
            return ("value", None)
        if kind == "regex":
            return ("regex", text)
        raise ExpressionError("expected a variable, string, null or regex in rules:if, found %r" % (text,))

    def comparison(self):
        if self.peek() == ("paren", "("):
            self.take()
            value = self.or_expr()
            if self.take() != ("paren", ")"):
                raise ExpressionError("missing ) in rules:if")
            return value
        kind, left = self.operand()
        if kind == "regex":
            raise ExpressionError("a regex must be on the right of =~ or !~")
        if self.peek()[0] != "op" or self.peek()[1] in ("&&", "||"):
            return bool(left)                      # a variable alone: set and non-empty
        op = self.take()[1]
        rkind, right = self.operand()
        if op in ("==", "!="):
            if rkind == "regex":
                raise ExpressionError("== and != compare with a string or null, not a regex")
            return (left == right) == (op == "==")
        pattern = right if rkind == "regex" else (right or "")
        m = re.fullmatch(r"/(.*)/([imsx]*)", pattern, re.S)
        if not m:
            raise ExpressionError("%s needs a /regex/, found %r" % (op, pattern))
        flags = 0
        for f in m.group(2):
            flags |= {"i": re.I, "m": re.M, "s": re.S, "x": re.X}[f]
        found = left is not None and re.search(m.group(1), left, flags) is not None
        return found == (op == "=~")


def evaluate(expr, variables):
    """The truth of a `rules:if` expression under `variables` (name → value)."""
    return _Parser(tokenize(str(expr)), variables).parse()
