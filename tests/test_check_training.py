"""``glassnet check`` on training figures: mistakes trained through the generated code,
and a diverging claim named in its error."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from glassnet.check import catalogue, check, training_variant
from glassnet.engine import EXACT, Variant
from glassnet.examples import load_example
from glassnet.fast.full_batch import train

LINEAR = """
title = "linear"
loss = "sse"
learning_rate = 1e6
[[layers]]
activation = "identity"
weights = [[0.5, -0.3]]
bias = 0.1
[[samples]]
input = [1.0, 2.0]
target = [1.0]
"""


def test_a_diverging_claim_names_the_file_and_the_claim(tmp_path):
    example = tmp_path / "linear.toml"
    example.write_text(LINEAR)
    claims = tmp_path / "c.toml"
    claims.write_text('[claims]\n"E_total@10" = "0.1"\n"E_total@1000" = "0.1"\n')
    run = subprocess.run(
        [sys.executable, "-m", "glassnet", "check", str(example), str(claims)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    # Each update multiplies the error by 1 - 2 * 1e6 * (1 + 1 + 4) (sse, identity):
    # |e| grows by about 1.2e7 a step, and e**2 passes 1.8e308 after 22 updates.
    e, grow = 0.5 * 1 - 0.3 * 2 + 0.1 - 1.0, 1 - 2e6 * 6
    step = next(k for k in range(1, 100) if abs(e) * abs(grow) ** k > 1e154)  # e**2 > 1.8e308
    assert run.stderr == (
        f'glassnet: error: {claims}: claims."E_total@1000": cannot compute: training diverged '
        f"(loss became inf at step {step}; try a smaller learning_rate)\n"
    )
    assert step == 22  # the level @10 was reached, so the claim at @1000 is the one named


def test_the_step_of_a_divergence_is_the_same_with_or_without_an_earlier_level(tmp_path):
    """With @10 claimed too, @1000 continues from update 10 (the test above); the
    step it reports still counts from update 1, as here where it trains from 0."""
    example = tmp_path / "linear.toml"
    example.write_text(LINEAR)
    claims = tmp_path / "c.toml"
    claims.write_text('[claims]\n"E_total@1000" = "0.1"\n')
    alone = subprocess.run(
        [sys.executable, "-m", "glassnet", "check", str(example), str(claims)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "at step 22;" in alone.stderr


def test_mistakes_that_cannot_change_training_train_as_the_method():
    mazur = load_example("mazur")  # one sample, learning rate 0.5, frozen shared biases
    assert training_variant(Variant(shared_bias_from_first=True), mazur) == EXACT
    assert training_variant(Variant(flip_batch_reduction=True), mazur) == EXACT
    flipped = Variant(shared_bias_from_first=True, flip_bias_training=True)
    assert training_variant(flipped, mazur) == flipped  # the flip trains the shared biases
    # The equivalence itself: mistake 5 on mazur trains to the same numbers.
    a = train(mazur.network, mazur.inputs, mazur.targets, 0.5, 500)
    b = train(
        mazur.network,
        mazur.inputs,
        mazur.targets,
        0.5,
        500,
        variant=Variant(shared_bias_from_first=True),
    )
    np.testing.assert_array_equal(a.losses, b.losses)
    hill = load_example("hill")  # per-neuron biases, learning rate 0.1
    for mistake in catalogue(hill):
        assert training_variant(mistake.variant, hill) == mistake.variant


def test_wrong_training_figures_are_diagnosed_through_the_generated_code():
    """Mistake 6 (the update added) on mazur after 100,000 updates, as a learner would
    get it: check names mistake 6. 100,000 updates of every mistake in Python floats."""
    mazur = load_example("mazur")
    wrong = train(
        mazur.network, mazur.inputs, mazur.targets, 0.5, 100_000, variant=Variant(update_sign=1.0)
    )
    claims = {
        "E_total@100000": f"{wrong.loss:.6g}",
        "w5@100000": f"{wrong.network.layers[1].weights[0, 0]:.6g}",
    }
    report = check(mazur, claims)
    assert report.n_disagree == 2
    assert [d.mistakes[0].number for d in report.diagnoses] == [6]
    assert report.diagnoses[0].clean
