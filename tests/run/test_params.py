"""Parameters: read from the parameters cell, typed by the default, validated, rendered safely."""

from __future__ import annotations

import ast

import pytest

from nbprod.notebook import loads_notebook
from nbprod.run.grid import read_params
from nbprod.run.params import (
    ParamError,
    ParamSpec,
    check_name,
    from_text,
    parameter_specs,
    render,
    resolve,
    typed,
)
from tests.conftest import notebook_json

HOSTILE_NAME = 's=1; __import__("os").system("touch PWNED"); t'
HOSTILE_STRINGS = [
    "it's",
    'say "hi"',
    "'''",
    '"""; import os; os.system("touch PWNED"); """',
    "back\\slash\\",
    "line\nbreak\r\n",
    "\\n not a newline",
    "\x00\x1b[31m",
    "ünïcode ✓ \u2028",
]


def specs_of(source: str) -> dict[str, ParamSpec]:
    cell = {"source": source, "metadata": {"tags": ["parameters"]}}
    return parameter_specs(loads_notebook(__import__("json").dumps(notebook_json(cell))))


def test_specs_types_defaults_and_help():
    specs = specs_of(
        "import os\n"
        "seed = 42  # random seed\n"
        "lr: float = 1\n"
        "name = 'x'\n"
        "flag = True\n"
        "sizes = [1, 2]\n"
        "opts = {'a': 1}\n"
        "nothing = None\n"
        "n = int(os.environ.get('N', 3))\n"
        "lo, hi = 0, 10\n"
        "def helper():\n    pass\n"
    )
    assert [(s.name, s.type, s.default, s.source, s.line, s.help) for s in specs.values()] == [
        ("seed", "int", 42, "42", 2, "random seed"),
        ("lr", "float", 1, "1", 3, ""),
        ("name", "str", "x", "'x'", 4, ""),
        ("flag", "bool", True, "True", 5, ""),
        ("sizes", "list", [1, 2], "[1, 2]", 6, ""),
        ("opts", "dict", {"a": 1}, "{'a': 1}", 7, ""),
        ("nothing", "None", None, "None", 8, ""),
        ("n", "any", None, "int(os.environ.get('N', 3))", 9, ""),
        ("lo", "int", 0, "0", 10, ""),
        ("hi", "int", 10, "10", 10, ""),
    ]


def test_no_parameters_cell_means_no_parameters():
    nb = loads_notebook(__import__("json").dumps(notebook_json("x = 1")))
    assert parameter_specs(nb) == {}


SPECS = specs_of(
    "a = 1\nb = 0.5\nname = 'x'\nflag = False\nitems = [1]\ncfg = {}\nanything = f()\n"
)


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [
        ("a", "3", 3),
        ("a", "-1_000", -1000),
        ("b", "1", 1.0),
        ("b", "1e-3", 0.001),
        ("name", "1.10", "1.10"),
        ("name", "007", "007"),
        ("name", "true", "true"),
        ("flag", "true", True),
        ("flag", "No", False),
        ("items", '[1, "a", null]', [1, "a", None]),
        ("cfg", '{"k": [1.5]}', {"k": [1.5]}),
        ("anything", "1.10", 1.1),
        ("anything", "not json", "not json"),
    ],
)
def test_command_line_values_are_typed_by_the_default(name, text, value):
    got = from_text(SPECS[name], text)
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("a", "1.5", "a: expected an int, got '1.5'"),
        (
            "a",
            "1" * 5001,
            "a: Exceeds the limit (4300 digits) for integer string conversion: "
            "value has 5001 digits; use sys.set_int_max_str_digits() to increase "
            "the limit",
        ),
        ("b", "nan", "b: 'nan' is not a JSON number"),
        ("b", "1e999", "b: '1e999' is not a JSON number"),
        ("b", "fast", "b: expected a float, got 'fast'"),
        ("flag", "maybe", "flag: expected a bool (true or false), got 'maybe'"),
        ("items", "[1,", "items: expected a list as JSON, got '[1,'"),
        ("items", '{"a": 1}', 'items: expected a list (the default is [1]), got a dict: {"a": 1}'),
        ("items", "[NaN]", "items: expected a list as JSON, got '[NaN]'"),
    ],
)
def test_bad_command_line_values(name, text, message):
    with pytest.raises(ParamError) as err:
        from_text(SPECS[name], text)
    assert str(err.value) == message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ((1, 2), "items: a tuple is not a JSON value (use a list)"),
        (b"\x00payload", "items: a bytes is not a JSON value (decode it to str)"),
        ({1, 2}, "items: a set is not a JSON value (use a list)"),
        ([1, (2,)], "items[1]: a tuple is not a JSON value (use a list)"),
        ([float("inf")], "items[0]: inf is not a JSON number"),
        ([object()], "items[0]: a object is not a JSON value"),
    ],
)
def test_python_api_values_must_be_json(value, message):
    with pytest.raises(ParamError) as err:
        typed(SPECS["items"], value)
    assert str(err.value) == message


def test_python_api_values_are_typed():
    assert typed(SPECS["b"], 2) == 2.0 and isinstance(typed(SPECS["b"], 2), float)
    with pytest.raises(ParamError, match=r"^a: expected an int \(the default is 1\), got a bool"):
        typed(SPECS["a"], True)
    with pytest.raises(ParamError, match=r"^cfg: dict key 1 is not a string$"):
        typed(SPECS["cfg"], {1: "x"})


@pytest.mark.parametrize(
    "name", [HOSTILE_NAME, "a b", "1a", "class", "a-b", "", "a\n", None, 3, b"a"]
)
def test_names_must_be_identifiers_even_when_unknown_names_are_allowed(name):
    with pytest.raises(ParamError, match="is not a valid parameter name"):
        check_name(name, SPECS, allow_unknown=True)


def test_unknown_name_says_did_you_mean():
    with pytest.raises(ParamError) as err:
        resolve(SPECS, texts=[("nmae", "y")])
    assert str(err.value) == (
        "unknown parameter 'nmae'; did you mean 'name'? (known: a, b, name, flag, items, cfg, "
        "anything; --allow-unknown passes it anyway)"
    )
    assert resolve(SPECS, texts=[("extra", "[1]")], allow_unknown=True) == {"extra": [1]}


def test_resolve_layers_later_wins():
    assert resolve(SPECS, {"a": 1, "name": "f"}, texts=[("a", "2")]) == {"a": 2, "name": "f"}


@pytest.mark.parametrize("text", HOSTILE_STRINGS)
def test_rendered_cell_is_only_literal_assignments_and_round_trips(text):
    values = {"name": text, "items": [text, {"k": text}], "b": 0.1, "a": 10**30, "flag": None}
    source = render(values)
    tree = ast.parse(source)
    assert all(isinstance(s, ast.Assign) for s in tree.body)
    assert all(
        isinstance(
            n,
            (
                ast.Assign,
                ast.Name,
                ast.Store,
                ast.Load,
                ast.Constant,
                ast.List,
                ast.Dict,
                ast.UnaryOp,
                ast.USub,
            ),
        )
        for s in tree.body
        for n in ast.walk(s)
    )
    namespace: dict = {}
    exec(compile(source, "<injected>", "exec"), {"__builtins__": {}}, namespace)  # literals only
    assert namespace == values


def test_render_refuses_what_validation_refuses():
    with pytest.raises(ParamError, match="is not a valid parameter name"):
        render({HOSTILE_NAME: 1})
    with pytest.raises(ParamError, match="a tuple is not a JSON value"):
        render({"a": (1, 2)})


YAML_SPECS = specs_of("version = '1.0'\nseed = 1\nlr = 0.1\ntags = ['a']\n")


def test_params_file_types_by_default_and_keeps_string_text():
    text = "version: 1.10\nseed: 7\nlr: 1\ntags: [x, 'y']\n"
    assert read_params(text, "p.yaml", YAML_SPECS) == {
        "version": "1.10",
        "seed": 7,
        "lr": 1.0,
        "tags": ["x", "y"],
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("seed: 1.5\n", "p.yaml:1: seed: expected an int (the default is 1), got a float: 1.5"),
        ("\nlr: 2020-01-01\n", "p.yaml:2: lr: a date is not a JSON value"),
        (
            "seeed: 1\n",
            "p.yaml:1: unknown parameter 'seeed'; did you mean 'seed'? (known: "
            "version, seed, lr, tags; --allow-unknown passes it anyway)",
        ),
        ("- 1\n", "p.yaml:1: expected a mapping of names"),
        ("seed: [1\n", "p.yaml:2: invalid YAML: expected ',' or ']', but got '<stream end>'"),
        (
            "? [a]\n: 1\n",
            "p.yaml:1: None is not a valid parameter name (it must be a Python " "identifier)",
        ),
    ],
)
def test_params_file_errors_name_file_and_line(text, message):
    with pytest.raises(ParamError) as err:
        read_params(text, "p.yaml", YAML_SPECS)
    assert str(err.value) == message
