"""Second stages: a network trained after the point reader that looks again at each dial, placed by the points.

One exists: the polar reader (ablab.clock.read.polar_stage: the dial unwrapped around its centre, where the hands
and the 12 point, mirrored or not). A stage reads its own outputs into a time (SecondStage.read), so nothing
else needs to know what they are. A reader with a second stage is saved as one `.keras` file: a functional model
with the inputs {"image", <the stage's input>} whose two nested models are the point reader (named like the
whole, so the name still carries the encoding) and the stage's network; `reader_parts` takes it apart again.
A reader adapted from time labels alone (ablab.clock.read.adapt) holds a third: its parent's stage network, named
with CUT_SUFFIX, which still says where to cut the dial (no label teaches that), while the adapted one reads it.
Built-in layers only: stock keras.saving.load_model loads it.

A stage trains resumably (fit_polar): compiled first, its last saved epoch restored (ablab.clock.read.checkpoint),
then trained from the epoch after it, each finished epoch saved.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ablab.clock.read import polar, polar_net, polar_stage
from ablab.clock.read.checkpoint import StageCheckpoint, StageState
from ablab.errors import unknown_name


@dataclass(frozen=True)
class SecondStage:
    """How to build, train and read with one kind of second stage."""

    net_name: str  # the nested model's name in a saved reader
    build: Callable[[], object]
    compile: Callable[..., None]  # (net, *, steps): its optimizer and losses for a training of `steps` steps
    # (net, part, state, *, epochs, seed, batch_size, callbacks, checkpoint) → state: the compiled net trained from
    # the epoch after state.epochs_done, each epoch recorded in state (and saved, with a checkpoint)
    fit: Callable[..., StageState]
    # (points, predict, images uint8 (N, S, S), originals, *, options, cut_predict) → (labels (N, 2), confidence
    # (N,), the dials it read by: an explain.DialSeen): points maps images to the point reader's (N, 7, 2) points,
    # predict is the stage network's forward pass, cut_predict (None: predict) the one that says where to cut, options the stage's reading mode
    # (polar_stage.PolarOptions), originals the pictures at their own size (None: the images)
    read: Callable[..., tuple]


CUT_SUFFIX = "_cut"  # a nested stage network named <stage net><CUT_SUFFIX> places the cuts; the other one reads


def _polar_stage() -> SecondStage:
    # only the centre is used, and the polar reader's own offset head corrects it: the point reader reads once
    # (measured: the 8-view centre read no better after the polar reader's fits, and cost 12 ms of a 42 ms read)
    return SecondStage(polar.POLAR_NET, polar_net.build_polar_net, polar_stage.compile_polar_net, fit_polar,
                       polar_stage.read_pictures)


# sets of training strips cut up front, taken in turns by the epochs: cutting them inside the training loop made a
# step 50% slower on 2 cores (measured)
POLAR_VARIANTS = 2


def fit_polar(net, part, state: StageState, *, epochs: int, seed: int, batch_size: int = 64,
              callbacks: tuple | list = (), checkpoint: StageCheckpoint | None = None) -> StageState:
    """The polar reader's training, resumable: the compiled net (polar_stage.compile_polar_net) trained on
    jittered strips of part (a ClockPart with landmarks) from the epoch after state.epochs_done to `epochs`, each
    epoch recorded in state (its wall time includes cutting the strips) and saved when a checkpoint is given.

    The strips are cut again from `seed` (the same strips a killed run cut), and every epoch's shuffle is seeded
    by seed + epoch, so a resumed epoch shuffles as it would have in one run, whatever ran before it in this
    process. `callbacks` (Keras) go to every epoch's fit, e.g. a progress bar."""
    import keras

    if state.epochs_done >= epochs:  # killed after its last epoch was saved, before it was marked finished
        return state
    start_s, before_s = time.perf_counter(), state.wall_s
    rng = np.random.default_rng(seed)
    sets = [polar_stage.training_strips(part, rng) for _ in range(min(POLAR_VARIANTS, epochs))]
    for epoch in range(state.epochs_done, epochs):
        cut = sets[epoch % len(sets)]
        keras.utils.set_random_seed(seed + epoch)
        hist = net.fit(cut["strips"][..., None], polar_targets(cut), batch_size=batch_size, epochs=1, shuffle=True,
                       verbose=0, callbacks=list(callbacks))
        state.record({key: values[-1] for key, values in hist.history.items()})
        state.wall_s = before_s + time.perf_counter() - start_s
        if checkpoint is not None:
            checkpoint.save(net, state)
    return state


def polar_targets(cut: dict) -> dict[str, np.ndarray]:
    """The polar net's targets for a set of strips (polar_stage.training_strips)."""
    return {"angles": polar.angle_targets(cut["angles"]), "mirror": cut["mirrored"].astype(np.float32)[:, None],
            "offset": cut["offset"], "radius": cut["radius"]}


def stage_steps(n_images: int, batch_size: int, epochs: int) -> int:
    """Training steps of a stage: every epoch's batches, the last one short."""
    return math.ceil(n_images / batch_size) * epochs


STAGES: dict[str, Callable[[], SecondStage]] = {"polar": _polar_stage}


def get_stage(name: str) -> SecondStage:
    if name not in STAGES:
        raise unknown_name("second stage", name, STAGES)
    return STAGES[name]()


def two_stage_model(points_net, second_net, cut_net=None):
    """One functional model holding the networks (for one `.keras` file): inputs {"image", <second_net's input>},
    outputs {point heads..., the second net's outputs}; named like points_net, so the name carries the encoding.

    A second net with one output adds it under its input's stem; one with several adds each as "<net>_<name>"
    less the "_reader" suffix ("polar_angles", "polar_mirror"). A cut_net (a network of second_net's kind that
    places the cuts) is kept renamed <second_net's name>CUT_SUFFIX, its outputs as "cut_<name>"."""
    import keras

    image = keras.Input(points_net.input_shape[1:], name="image")
    second_input_name = second_net.inputs[0].name
    second = keras.Input(second_net.input_shape[1:], name=second_input_name)
    outputs = dict(points_net(image))
    extra = second_net(second)
    if isinstance(extra, dict):
        stem = second_net.name.split("_")[0]
        outputs.update({f"{stem}_{k}": v for k, v in extra.items()})
    else:
        outputs[second_input_name.split("_")[0]] = extra
    if cut_net is not None:
        cut = bare_copy(cut_net, second_net.name + CUT_SUFFIX)(second)
        outputs.update({f"cut_{k}": v for k, v in cut.items()} if isinstance(cut, dict) else {"cut": cut})
    return keras.Model({"image": image, second_input_name: second}, outputs, name=points_net.name)


def bare_copy(net, name: str | None = None):
    """A copy of net's layers and weights without its optimizer, under `name` if given (one model may not nest two
    alike). A reader saved with the shipped networks' optimizer state warned "Skipping variable loading for
    optimizer" on every load; keras.models.clone_model would carry it over (Keras 3.15)."""
    import keras

    config = net.get_config()
    copy = keras.Model.from_config(config if name is None else {**config, "name": name})
    copy.set_weights(net.get_weights())
    return copy


def reader_parts(model) -> tuple[object, object | None, object | None]:
    """A saved reader → (the point/one-image network, its second stage's network or None, the network that places
    the stage's cuts when it is another one (an adapted reader), else None): a two_stage_model is taken apart, any
    other reader is returned as it is."""
    names = {layer.name for layer in model.layers}
    if model.name not in names:
        return model, None, None
    for make in STAGES.values():
        net_name = make().net_name
        if net_name in names:
            cut = model.get_layer(net_name + CUT_SUFFIX) if net_name + CUT_SUFFIX in names else None
            return model.get_layer(model.name), model.get_layer(net_name), cut
    return model, None, None


def stage_of(second_net) -> SecondStage:
    """The SecondStage whose network second_net is."""
    for make in STAGES.values():
        stage = make()
        if stage.net_name == second_net.name:
            return stage
    raise ValueError(f"{second_net.name!r} is no second stage's network")
