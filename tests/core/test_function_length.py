"""The function-length check of `make lint`: it flags a long function and accepts a reason."""

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check_function_length.py"
spec = importlib.util.spec_from_file_location("check_function_length", SCRIPT)
assert spec and spec.loader
checker = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = checker  # the dataclasses look their module up
spec.loader.exec_module(checker)


def _function(name, body_lines, above="", first=""):
    body = "".join(f"    x{i} = {i}\n" for i in range(body_lines))
    return f"{above}def {name}():\n{first}{body}    return 0\n"


def _tree(tmp_path, files):
    for relative, text in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_a_long_function_without_a_reason_is_flagged(tmp_path):
    root = _tree(tmp_path, {"app/services.py": _function("short", 10) + _function("long", 70)})
    problems = checker.check(root, {})
    assert len(problems) == 1
    assert "app/services.py:" in problems[0] and "long ha 72 righe" in problems[0]


def test_sixty_lines_pass_and_sixty_one_do_not(tmp_path):
    root = _tree(tmp_path, {"a.py": _function("edge", 58), "b.py": _function("over", 59)})
    problems = checker.check(root, {})
    assert [p.split(":")[0] for p in problems] == ["b.py"]


@pytest.mark.parametrize(
    ("above", "first"),
    [
        ("# long: one table row after the other, as the form reads\n", ""),
        ("", "    # long: one table row after the other, as the form reads\n"),
        ("", '    """Doc."""\n    # long: one table row after the other, as the form reads\n'),
    ],
)
def test_a_written_reason_above_or_inside_the_def_is_accepted(tmp_path, above, first):
    root = _tree(tmp_path, {"app/builders.py": _function("build", 70, above, first)})
    assert checker.check(root, {}) == []


def test_a_reason_above_the_decorators_is_accepted(tmp_path):
    text = "import functools\n\n# long: the builder is one linear sequence\n@functools.cache\n"
    root = _tree(tmp_path, {"a.py": text + _function("build", 70)})
    assert checker.check(root, {}) == []


def test_an_empty_reason_is_no_reason(tmp_path):
    root = _tree(tmp_path, {"a.py": _function("build", 70, above="# long:\n")})
    assert len(checker.check(root, {})) == 1


def test_the_allow_list_gives_reasons_and_stale_entries_fail(tmp_path):
    text = "class Report:\n" + "".join(
        "    " + line + "\n" for line in _function("write", 70).splitlines()
    )
    root = _tree(tmp_path, {"app/report.py": text, "app/other.py": _function("small", 5)})
    assert checker.check(root, {"app/report.py::Report.write": "a linear report"}) == []
    stale = checker.check(
        root,
        {"app/report.py::Report.write": "a linear report", "app/other.py::small": "was long"},
    )
    assert len(stale) == 1 and "app/other.py::small" in stale[0]


def test_tests_migrations_and_the_virtualenv_are_not_product_code(tmp_path):
    long = _function("long", 70)
    root = _tree(
        tmp_path,
        {
            "tests/test_x.py": long,
            "app/migrations/0001_initial.py": long,
            ".venv/lib/site.py": long,
            "app/views.py": long,
        },
    )
    assert [p.split(":")[0] for p in checker.check(root, {})] == ["app/views.py"]


def test_nested_functions_are_named_by_their_path(tmp_path):
    text = "def outer():\n" + "".join(
        "    " + line + "\n" for line in _function("inner", 70).splitlines()
    )
    root = _tree(tmp_path, {"a.py": text})
    problems = checker.check(root, {"a.py::outer": "a wrapper"})
    assert len(problems) == 1 and "outer.inner ha" in problems[0]
