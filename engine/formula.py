"""A safe evaluator for the formulas users write for indicators.

    depositi_istruiti / depositi_ricevuti_controllo * 100

The text is never handed to Python (no eval/exec/compile/ast): a tokenizer and a
recursive-descent parser build a small tree that only knows numbers, names, + − × /, parentheses,
unary minus and the functions min, max, abs, round. Arithmetic is Decimal in the engine's own
context. Input is bounded (length, digits of a literal, nesting depth) so that a pathological
formula fails fast with a clear message instead of exhausting the stack.

Grammar::

    expression := term (("+" | "-") term)*
    term       := unary (("*" | "/") unary)*
    unary      := ("-" | "+") unary | primary
    primary    := number | name | name "(" arguments ")" | "(" expression ")"
    arguments  := expression (("," | ";") expression)*

Numbers take a dot or a comma as decimal separator ("60,36"). A comma directly between two digits
is therefore a decimal separator: write "max(1; 2)" or "max(1, 2)" (with a space) to pass two
numbers. The signs ×, ÷ and − (as copied from documents) are read as *, / and -.
Positions in error messages count characters from 1.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, DecimalException

from engine.numbers import ZERO, arithmetic, format_number, internal, to_decimal

MAX_LENGTH = 500
MAX_DEPTH = 25
MAX_LITERAL_DIGITS = 30
MAX_ROUND_PLACES = 10

OPERATOR_ALIASES = {"+": "+", "-": "-", "−": "-", "*": "*", "×": "*", "/": "/", "÷": "/"}
SHOWN_OPERATORS = {"+": "+", "-": "−", "*": "×", "/": "/"}
PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}
UNARY_PRECEDENCE = 3
ATOM_PRECEDENCE = 4


class FormulaError(ValueError):
    """A formula that cannot be read or computed. The message is Italian and user-facing."""

    def __init__(self, message: str, position: int | None = None):
        self.message = message
        self.position = position
        where = f" alla posizione {position}" if position is not None else ""
        super().__init__(f"{message}{where}")


# -- tokens ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # number, name, op, open, close, separator, end
    text: str
    position: int
    value: Decimal | None = None


def tokenize(text: str) -> list[Token]:
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"Formula troppo lunga (massimo {MAX_LENGTH} caratteri)")
    tokens: list[Token] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char.isspace():
            index += 1
        elif _digit_at(text, index) or (char == "." and _digit_at(text, index + 1)):
            token, index = _read_number(text, index)
            tokens.append(token)
        elif char.isascii() and (char.islower() or char == "_"):
            token, index = _read_name(text, index)
            tokens.append(token)
        elif char in OPERATOR_ALIASES:
            tokens.append(Token("op", OPERATOR_ALIASES[char], index + 1))
            index += 1
        elif char in "()":
            tokens.append(Token("open" if char == "(" else "close", char, index + 1))
            index += 1
        elif char in ",;":
            tokens.append(Token("separator", char, index + 1))
            index += 1
        else:
            hint = " (i nomi si scrivono in minuscolo)" if char.isascii() and char.isupper() else ""
            raise FormulaError(f"Carattere non ammesso «{char}»{hint}", index + 1)
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


def _digit_at(text: str, index: int) -> bool:
    return index < len(text) and text[index].isascii() and text[index].isdigit()


def _read_number(text: str, start: int) -> tuple[Token, int]:
    index = start
    while _digit_at(text, index):
        index += 1
    if index < len(text) and text[index] in ".," and _digit_at(text, index + 1):
        index += 1
        while _digit_at(text, index):
            index += 1
    literal = text[start:index]
    if index < len(text) and text[index] == "." or _digit_count(literal) > MAX_LITERAL_DIGITS:
        raise FormulaError(f"Numero non valido «{text[start : index + 1]}»", start + 1)
    return Token("number", literal, start + 1, Decimal(literal.replace(",", "."))), index


def _digit_count(literal: str) -> int:
    return sum(char.isdigit() for char in literal)


def _read_name(text: str, start: int) -> tuple[Token, int]:
    index = start
    while (
        index < len(text)
        and text[index].isascii()
        and (text[index].islower() or text[index].isdigit() or text[index] == "_")
    ):
        index += 1
    return Token("name", text[start:index], start + 1), index


# -- tree -----------------------------------------------------------------------------------------

Values = Mapping[str, Decimal | int | str | None]


@dataclass(frozen=True)
class Number:
    value: Decimal
    position: int

    def names(self) -> frozenset[str]:
        return frozenset()

    def evaluate(self, values: Values) -> Decimal:
        return self.value

    def render(self, values: Values) -> str:
        return _shown(self.value)

    precedence = ATOM_PRECEDENCE


@dataclass(frozen=True)
class Name:
    name: str
    position: int

    def names(self) -> frozenset[str]:
        return frozenset({self.name})

    def evaluate(self, values: Values) -> Decimal:
        if self.name not in values:
            raise FormulaError(f"Nome sconosciuto «{self.name}»", self.position)
        raw = values[self.name]
        if raw is None:
            raise FormulaError(f"Valore mancante per «{self.name}»", self.position)
        try:
            return to_decimal(raw)
        except (TypeError, ValueError):
            raise FormulaError(
                f"Il valore di «{self.name}» non è un numero", self.position
            ) from None

    def render(self, values: Values) -> str:
        return _shown(self.evaluate(values))

    precedence = ATOM_PRECEDENCE


@dataclass(frozen=True)
class Negate:
    operand: Node
    position: int

    def names(self) -> frozenset[str]:
        return self.operand.names()

    def evaluate(self, values: Values) -> Decimal:
        return -self.operand.evaluate(values)

    def render(self, values: Values) -> str:
        inner = self.operand.render(values)
        if self.operand.precedence < ATOM_PRECEDENCE:
            inner = f"({inner})"
        return f"−{inner}"

    precedence = UNARY_PRECEDENCE


@dataclass(frozen=True)
class Binary:
    operator: str
    left: Node
    right: Node
    position: int

    def names(self) -> frozenset[str]:
        return self.left.names() | self.right.names()

    def evaluate(self, values: Values) -> Decimal:
        left = self.left.evaluate(values)
        right = self.right.evaluate(values)
        if self.operator == "+":
            return left + right
        if self.operator == "-":
            return left - right
        if self.operator == "*":
            return left * right
        if right == ZERO:
            raise FormulaError("Divisione per zero", self.position)
        return left / right

    def render(self, values: Values) -> str:
        own = self.precedence
        left = self.left.render(values)
        if self.left.precedence < own:
            left = f"({left})"
        right = self.right.render(values)
        # a − (b − c) and a / (b × c) need their parentheses; a + (b + c) does not, but keeping
        # what the author grouped reads better than a minimal rendering.
        if self.right.precedence <= own:
            right = f"({right})"
        return f"{left} {SHOWN_OPERATORS[self.operator]} {right}"

    @property
    def precedence(self) -> int:
        return PRECEDENCE[self.operator]


@dataclass(frozen=True)
class Call:
    function: str
    arguments: tuple[Node, ...]
    position: int

    def names(self) -> frozenset[str]:
        return frozenset().union(*(argument.names() for argument in self.arguments))

    def evaluate(self, values: Values) -> Decimal:
        evaluated = [argument.evaluate(values) for argument in self.arguments]
        return FUNCTIONS[self.function].apply(evaluated, self.position)

    def render(self, values: Values) -> str:
        shown = "; ".join(argument.render(values) for argument in self.arguments)
        return f"{self.function}({shown})"

    precedence = ATOM_PRECEDENCE


Node = Number | Name | Negate | Binary | Call


def _shown(value: Decimal) -> str:
    text = _with_minus_sign(format_number(value))
    return f"({text})" if value < ZERO else text


def _with_minus_sign(text: str) -> str:
    """The typographic minus, as for the operator: "−3" rather than "-3"."""
    return text.replace("-", "−")


# -- functions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Function:
    name: str
    min_arguments: int
    max_arguments: int | None
    body: Callable[[list[Decimal], int], Decimal]

    def check_arity(self, count: int, position: int) -> None:
        if count < self.min_arguments or (
            self.max_arguments is not None and count > self.max_arguments
        ):
            raise FormulaError(f"«{self.name}» richiede {self._arity_words()}", position)

    def _arity_words(self) -> str:
        if self.max_arguments is None:
            return f"almeno {self.min_arguments} argomenti (per separare due numeri usare «;»)"
        if self.min_arguments == self.max_arguments:
            plural = "o" if self.min_arguments == 1 else "i"
            return f"{self.min_arguments} argoment{plural}"
        return f"da {self.min_arguments} a {self.max_arguments} argomenti"

    def apply(self, arguments: list[Decimal], position: int) -> Decimal:
        return self.body(arguments, position)


def _round(arguments: list[Decimal], position: int) -> Decimal:
    places = arguments[1] if len(arguments) > 1 else ZERO
    if places != places.to_integral_value() or not ZERO <= places <= MAX_ROUND_PLACES:
        raise FormulaError(
            f"I decimali di «round» devono essere un intero tra 0 e {MAX_ROUND_PLACES}", position
        )
    return arguments[0].quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)


FUNCTIONS = {
    function.name: function
    for function in (
        Function("min", 2, None, lambda arguments, _: min(arguments)),
        Function("max", 2, None, lambda arguments, _: max(arguments)),
        Function("abs", 1, 1, lambda arguments, _: abs(arguments[0])),
        Function("round", 1, 2, _round),
    )
}


# -- parser ---------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.index = 0
        self.depth = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.current
        self.index += 1
        return token

    def descend(self, position: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormulaError(f"Formula troppo annidata (massimo {MAX_DEPTH} livelli)", position)

    def parse(self) -> Node:
        if self.current.kind == "end":
            raise FormulaError("Formula vuota")
        node = self.expression()
        token = self.current
        if token.kind == "close":
            raise FormulaError("Parentesi chiusa senza apertura", token.position)
        if token.kind != "end":
            raise FormulaError(f"Simbolo inatteso «{token.text}»", token.position)
        return node

    def expression(self) -> Node:
        node = self.term()
        while self.current.kind == "op" and self.current.text in "+-":
            operator = self.advance()
            node = Binary(operator.text, node, self.term(), operator.position)
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.current.kind == "op" and self.current.text in "*/":
            operator = self.advance()
            node = Binary(operator.text, node, self.unary(), operator.position)
        return node

    def unary(self) -> Node:
        token = self.current
        if token.kind == "op" and token.text in "+-":
            self.advance()
            self.descend(token.position)
            operand = self.unary()
            self.depth -= 1
            return Negate(operand, token.position) if token.text == "-" else operand
        return self.primary()

    def primary(self) -> Node:
        token = self.advance()
        if token.kind == "number":
            return Number(token.value, token.position)
        if token.kind == "name":
            return self.name_or_call(token)
        if token.kind == "open":
            self.descend(token.position)
            node = self.expression()
            self.expect_close(token)
            self.depth -= 1
            return node
        if token.kind == "end":
            raise FormulaError("Formula incompleta", token.position)
        if token.kind == "close":
            raise FormulaError("Parentesi chiusa senza apertura", token.position)
        raise FormulaError(f"Simbolo inatteso «{token.text}»", token.position)

    def name_or_call(self, token: Token) -> Node:
        if self.current.kind != "open":
            if token.text in FUNCTIONS:
                raise FormulaError(
                    f"«{token.text}» è una funzione: servono le parentesi", token.position
                )
            return Name(token.text, token.position)
        if token.text not in FUNCTIONS:
            raise FormulaError(f"Funzione sconosciuta «{token.text}»", token.position)
        opening = self.advance()
        self.descend(opening.position)
        arguments = [self.expression()]
        while self.current.kind == "separator":
            self.advance()
            arguments.append(self.expression())
        self.expect_close(opening)
        self.depth -= 1
        FUNCTIONS[token.text].check_arity(len(arguments), token.position)
        return Call(token.text, tuple(arguments), token.position)

    def expect_close(self, opening: Token) -> None:
        if self.current.kind == "close":
            self.advance()
            return
        if self.current.kind == "end":
            raise FormulaError("Parentesi non chiusa", opening.position)
        raise FormulaError(f"Simbolo inatteso «{self.current.text}»", self.current.position)


# -- public API -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expression:
    text: str
    root: Node

    def names(self) -> frozenset[str]:
        """The parameter/indicator names the formula needs (to validate it when it is saved)."""
        return self.root.names()

    def evaluate(self, values: Values) -> Decimal:
        """The value, quantized to the engine's internal precision (6 places)."""
        with arithmetic():
            try:
                return internal(self.root.evaluate(values))
            except DecimalException:
                raise FormulaError("Risultato fuori scala") from None

    def explain(self, values: Values) -> str:
        """The formula with its inputs substituted: "67 / 111 × 100 = 60,36"."""
        result = self.evaluate(values)
        with arithmetic():
            return f"{self.root.render(values)} = {_with_minus_sign(format_number(result, 2))}"


def parse(text: str) -> Expression:
    return Expression(text, _Parser(tokenize(text)).parse())


def evaluate(expression: Expression | str, values: Values) -> Decimal:
    if isinstance(expression, str):
        expression = parse(expression)
    return expression.evaluate(values)


def explain(expression: Expression | str, values: Values) -> str:
    if isinstance(expression, str):
        expression = parse(expression)
    return expression.explain(values)
