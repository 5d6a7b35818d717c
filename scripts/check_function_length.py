"""Fail when a function of the product code is longer than 60 lines without a written reason.

A long function is allowed when it says why, in one of two ways:
- a comment `# long: <reason>` on the line right above the `def` (or above its decorators), or
  among the first lines of its body, before the first statement;
- a line `<path>::<qualified name>  <reason>` in scripts/long_functions.txt, for the code whose
  owners have not cut it yet.

The tests, the migrations and the virtualenv are not product code. An entry of the list that no
longer names a long function is an error too, so the list only says what is true.

Run from the root of the tree: `python scripts/check_function_length.py` (`make lint`, .ci/run).
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

MAX_LINES = 60
ALLOW_LIST = Path("scripts/long_functions.txt")
SKIPPED_DIRS = {".venv", "venv", "tests", "migrations", "node_modules", "var", ".git"}
REASON = re.compile(r"^\s*#\s*long:\s*(?P<reason>\S.{4,})$")


@dataclass(frozen=True)
class LongFunction:
    path: str
    name: str
    line: int
    length: int
    reason: str | None

    @property
    def key(self) -> str:
        return f"{self.path}::{self.name}"


def product_files(root: Path) -> list[Path]:
    return sorted(
        path
        for path in root.rglob("*.py")
        if not SKIPPED_DIRS.intersection(path.relative_to(root).parts[:-1])
    )


def _inline_reason(lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """The `# long:` comment above the def, or before its first statement (docstring aside)."""
    # Line numbers are 1-based: lines[n - 1] is line n. Signature lines are no comments, so
    # scanning from the `def` line to the first statement finds only comment lines.
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    candidates = [first - 1] if first > 1 else []
    candidates += range(node.lineno + 1, node.body[0].lineno)
    body = node.body
    if len(body) > 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        candidates += range((body[0].end_lineno or body[0].lineno) + 1, body[1].lineno)
    for number in candidates:
        match = REASON.match(lines[number - 1])
        if match:
            return match["reason"].strip()
    return None


def long_functions(path: Path, root: Path, max_lines: int = MAX_LINES) -> list[LongFunction]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    relative = path.relative_to(root).as_posix()
    found: list[LongFunction] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                length = (child.end_lineno or child.lineno) - child.lineno + 1
                if length > max_lines:
                    reason = _inline_reason(lines, child)
                    found.append(LongFunction(relative, name, child.lineno, length, reason))
                visit(child, f"{name}.")
            else:
                visit(child, prefix)

    visit(ast.parse(source, filename=relative), "")
    return found


def read_allow_list(path: Path) -> dict[str, str]:
    """`path::name  reason` a line; blank lines and `#` comments are skipped."""
    allowed: dict[str, str] = {}
    if not path.exists():
        return allowed
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, _, reason = line.partition(" ")
        if "::" not in key or len(reason.strip()) < 5:
            raise SystemExit(f"{path}:{number}: atteso «percorso::funzione  ragione», non «{raw}»")
        allowed[key] = reason.strip()
    return allowed


def check(root: Path, allowed: dict[str, str], max_lines: int = MAX_LINES) -> list[str]:
    """The problems found, one message each; an empty list when the tree passes."""
    problems: list[str] = []
    seen: set[str] = set()
    for path in product_files(root):
        for function in long_functions(path, root, max_lines):
            seen.add(function.key)
            if function.reason or function.key in allowed:
                continue
            problems.append(
                f"{function.path}:{function.line}: {function.name} ha {function.length} righe "
                f"(massimo {max_lines}): tagliala in passi con un nome, oppure scrivi perché "
                f"resta lunga con `# long: <ragione>` sopra la def"
            )
    for key in sorted(set(allowed) - seen):
        problems.append(
            f"{ALLOW_LIST}: {key} non nomina (più) una funzione di oltre {max_lines} righe: "
            f"togli la riga dall'elenco"
        )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("."))
    parser.add_argument("--max-lines", type=int, default=MAX_LINES)
    parser.add_argument("--list", action="store_true", help="elenca le funzioni lunghe")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    allowed = read_allow_list(root / ALLOW_LIST)
    if args.list:
        for path in product_files(root):
            for function in long_functions(path, root, args.max_lines):
                reason = function.reason or allowed.get(function.key, "SENZA RAGIONE")
                print(f"{function.length:4d} {function.key}  {reason}")
        return 0
    problems = check(root, allowed, args.max_lines)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problemi di lunghezza delle funzioni")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
