"""The Python view: magics translated by IPython, classified by meaning, mapped back to lines."""

from __future__ import annotations

import pytest

from nbprod.notebook.magics import python_view


def _kinds(view):
    return [(m.kind, m.name, m.args, m.line) for m in view.magics]


def test_plain_python_is_unchanged():
    view = python_view("x = 1\nprint(x)")
    assert view.code == "x = 1\nprint(x)\n" and view.magics == () and view.tree is not None


@pytest.mark.parametrize(
    "source, kind, name, args",
    [
        ("%matplotlib inline", "display", "matplotlib", "inline"),
        ("%load_ext autoreload", "display", "load_ext", "autoreload"),
        ("%config InlineBackend.figure_format = 'svg'", "display", "config",
         "InlineBackend.figure_format = 'svg'"),
        ("!ls -la", "shell", "system", "ls -la"),
        ("%sx ls", "shell", "sx", "ls"),
        ("!pip install numpy", "install", "system", "pip install numpy"),
        ("%pip install pandas", "install", "pip", "install pandas"),
        ("%conda install scipy", "install", "conda", "install scipy"),
        ("%env A=1", "environment", "env", "A=1"),
        ("%cd /tmp", "environment", "cd", "/tmp"),
        ("len?", "help", "pinfo", "len"),
        ("%run other.ipynb", "include", "run", "other.ipynb"),
        ("%load helper.py", "include", "load", "helper.py"),
        ("%who", "other", "who", ""),
        ("%unknown_magic x", "other", "unknown_magic", "x"),
        ("%ls -l", "shell", "ls", "-l"),
        # automagic: a kernel runs a one-line cell starting with a line magic's name as that magic
        ("pip install numpy pandas", "install", "pip", "install numpy pandas"),
        ("ls data/*.csv", "shell", "ls", "data/*.csv"),
        ("  cd ..", "environment", "cd", ".."),
        ("matplotlib inline\n", "display", "matplotlib", "inline"),
    ],
)
def test_line_magics_by_meaning(source, kind, name, args):
    view = python_view(source)
    assert _kinds(view) == [(kind, name, args, 1)]
    assert view.tree is not None


def test_assigned_shell_keeps_the_target():
    view = python_view("import os\nfiles = !ls\nn = len(files)")
    assert view.code.splitlines()[1] == "files = get_ipython().getoutput('ls')"
    assert view.magics[0].target == "files" and view.magics[0].line == 2


def test_time_body_is_unwrapped_and_keeps_its_definition():
    view = python_view("%time total = sum(range(10))\nprint(total)")
    assert view.code == "total = sum(range(10))\nprint(total)\n"
    assert _kinds(view) == [("python", "time", "total = sum(range(10))", 1)]


def test_timeit_options_are_stripped():
    view = python_view("%timeit -n 10 -r 3 sorted(xs)")
    assert view.code == "sorted(xs)\n"


def test_indented_magic_inside_if_keeps_the_block_valid():
    view = python_view("if True:\n    %cd /tmp\n    x = 1")
    assert view.tree is not None
    assert _kinds(view) == [("environment", "cd", "/tmp", 2)]


@pytest.mark.parametrize("magic", ["%%time", "%%capture out", "%%timeit -n 2", "%%prun"])
def test_python_bodied_cell_magics_keep_their_body(magic):
    view = python_view(f"{magic}\nimport math\ny = math.pi\n")
    assert view.code == "import math\ny = math.pi\n"
    assert view.line_map == (2, 3)
    assert view.magics[0].kind == "python" and view.magics[0].cell_magic


def test_capture_records_its_variable():
    view = python_view("%%capture captured\nprint(1)")
    assert view.magics[0].target == "captured"


def test_python_bodied_cell_magic_around_another_cell_magic():
    """IPython runs the body of ``%%capture`` as a cell of its own, so it may be a cell magic."""
    view = python_view("%%capture captured\n%%sh\nploomber build --force\n")
    assert view.syntax_error is None
    assert _kinds(view) == [
        ("python", "capture", "captured", 1),
        ("foreign", "sh", "", 2),
    ]
    assert view.line_map == (2,)
    nested = python_view("%%capture\n%%time\nimport os\n!ls\n")
    assert nested.code == "import os\nget_ipython().system('ls')\n"
    assert nested.line_map == (3, 4)


@pytest.mark.parametrize("magic", ["%%bash", "%%sql", "%%html", "%%writefile f.py"])
def test_foreign_cell_magics(magic):
    view = python_view(f"{magic}\nsome text\n")
    assert view.magics[0].kind == "foreign" and view.magics[0].body == "some text\n"
    assert view.tree is not None and view.line_map == (1,)


def test_line_map_through_continuations_and_leading_blank_lines():
    view = python_view("\n\nx = 1\n%time a = \\\n   3\nb = a\n")
    assert view.code.splitlines() == ["x = 1", "a =     3", "b = a"]
    assert view.line_map == (3, 4, 6)
    assert view.to_cell(3, 5) == (6, 5)


def test_syntax_error_in_cell_coordinates():
    view = python_view("%matplotlib inline\n\ndef f(:\n    pass")
    assert view.tree is None
    assert (view.syntax_error.line, view.syntax_error.message) == (3, "invalid syntax")


def test_cell_of_only_magics():
    view = python_view("%matplotlib inline\n%load_ext autoreload\n%autoreload 2")
    assert [m.name for m in view.magics] == ["matplotlib", "load_ext", "autoreload"]
    assert all(m.kind == "display" for m in view.magics)


@pytest.mark.parametrize(
    "source",
    [
        "pip install numpy\nimport numpy",  # two lines: IPython applies no automagic
        "print 'python 2'",  # not a magic's name
        "ls = = 1",  # an assignment, however broken
    ],
)
def test_no_automagic_outside_one_line_cells_of_magic_names(source):
    view = python_view(source)
    assert view.magics == () and view.syntax_error is not None


def test_valid_one_word_line_stays_python():
    """`pwd` alone parses: whether a variable shadows the magic is only known at run time."""
    view = python_view("pwd")
    assert view.magics == () and view.code == "pwd\n"


def test_automagic_names_are_line_magics_of_a_real_kernel():
    import os

    from ipykernel.zmqshell import ZMQInteractiveShell
    from IPython.core.interactiveshell import InteractiveShell

    from nbprod.notebook.magics import AUTOMAGIC

    environment = dict(os.environ)  # the kernel's shell sets TERM, CLICOLOR, PAGER ...
    try:
        shell = ZMQInteractiveShell.instance()
        assert AUTOMAGIC <= set(shell.magics_manager.magics["line"])
    finally:
        InteractiveShell.clear_instance()
        os.environ.clear()
        os.environ.update(environment)
