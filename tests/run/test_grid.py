"""Grid files: cartesian products and explicit points, typed like parameters, labelled."""

from __future__ import annotations

import pytest

from nbprod.run.grid import file_stem, points, read_grid
from nbprod.run.params import ParamError, ParamSpec

SPECS = {
    "seed": ParamSpec("seed", "int", 1, "1", 1),
    "lr": ParamSpec("lr", "float", 0.1, "0.1", 2),
    "model": ParamSpec("model", "str", "a", "'a'", 3),
    "layers": ParamSpec("layers", "list", [8], "[8]", 4),
}


def test_grid_and_points_in_order_without_duplicates():
    text = (
        "grid:\n"
        "  seed: [1, 2]\n"
        "  lr: [1, 0.5]\n"
        "  model: 1.10\n"
        "points:\n"
        "  - {seed: 9, lr: 0.1}\n"
        "  - {seed: 1, lr: 1, model: '1.10'}\n"
    )
    assert read_grid(text, "g.yaml", SPECS) == [
        {"seed": 1, "lr": 1.0, "model": "1.10"},
        {"seed": 1, "lr": 0.5, "model": "1.10"},
        {"seed": 2, "lr": 1.0, "model": "1.10"},
        {"seed": 2, "lr": 0.5, "model": "1.10"},
        {"seed": 9, "lr": 0.1},
    ]


def test_a_plain_mapping_is_a_grid_and_a_list_of_grids_is_their_union():
    assert read_grid("seed: [1, 2]\n", "g.yaml", SPECS) == [{"seed": 1}, {"seed": 2}]
    text = "grid:\n  - {seed: [1], model: [a, b]}\n  - {seed: 3}\n"
    assert read_grid(text, "g.yaml", SPECS) == [
        {"seed": 1, "model": "a"},
        {"seed": 1, "model": "b"},
        {"seed": 3},
    ]


def test_a_list_parameter_varies_over_a_list_of_lists():
    text = "layers: [[8], [16, 8]]\nseed: 1\n"
    assert read_grid(text, "g.yaml", SPECS) == [
        {"layers": [8], "seed": 1},
        {"layers": [16, 8], "seed": 1},
    ]
    assert read_grid("layers: [4, 2]\n", "g.yaml", SPECS) == [{"layers": [4, 2]}]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "g.yaml: empty grid"),
        ("seed: []\n", "g.yaml:1: seed: an empty list gives no points"),
        ("grid: {seed: [1]}\nextra: 1\n", "g.yaml: unexpected key 'extra' beside 'grid'/'points'"),
        ("points: {seed: 1}\n", "g.yaml:1: 'points' must be a list"),
        ("points: []\n", "g.yaml: the grid has no points"),
        ("seed: [1, x]\n", 'g.yaml:1: seed: expected an int (the default is 1), got a str: "x"'),
        (
            "grid:\n  sede: [1]\n",
            "g.yaml:2: unknown parameter 'sede'; did you mean 'seed'? "
            "(known: seed, lr, model, layers; --allow-unknown passes it "
            "anyway)",
        ),
    ],
)
def test_grid_errors_name_file_and_line(text, message):
    with pytest.raises(ParamError) as err:
        read_grid(text, "g.yaml", SPECS)
    assert str(err.value) == message


def test_labels_show_only_varied_values():
    labelled = points(
        [{"seed": 1, "lr": 0.1, "model": "a b"}, {"seed": 2, "lr": 0.1, "model": "c/d"}]
    )
    assert [p.label for p in labelled] == ["seed=1,model=a b", "seed=2,model=c/d"]
    assert points([{"seed": 1}])[0].label == ""


def test_file_stems_are_safe_and_bounded():
    assert file_stem("train", "") == "train"
    assert file_stem("train", "seed=1,model=c/d e") == "train-seed=1,model=c_d_e"
    long = file_stem("train", "x=" + "y" * 300)
    assert len(long) == len("train-") + 99 and long.startswith("train-x=yyy")
