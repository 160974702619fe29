"""Second stages: a network trained after the point reader that looks again at each dial, placed by the points.

Two exist: the dial check (ablab.clock.dialcheck: the upright dial, which k·30° the true 12 is at, mirrored or
not) and the polar reader (ablab.clock.polar_stage: the dial unwrapped around its centre, where the hands and the
12 point, mirrored or not). A reader with a second stage is saved as one `.keras` file: a functional model with
the inputs {"image", <the stage's input>} whose two nested models are the point reader (named like the whole, so
the name still carries the encoding) and the stage's network; `reader_parts` takes it apart again. Built-in
layers only: stock keras.saving.load_model loads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ablab.errors import unknown_name


@dataclass(frozen=True)
class SecondStage:
    """How to build, train and run one kind of second stage."""

    net_name: str  # the nested model's name in a saved reader
    build: Callable[[], object]
    fit: Callable[..., float]  # (net, part, *, epochs, seed, batch_size) → wall time in s
    outputs: Callable[..., dict]  # (predict, images uint8 (N, S, S), points (N, 7, 2)) → decoder inputs
    point_views: tuple[float, ...]  # the turns (deg) the point reader reads each image at before it (ablab.clock.tta)


def _dial_stage() -> SecondStage:
    from ablab.clock import dialcheck

    from ablab.clock.tta import TTA_ANGLES_DEG

    # the dial check places its crop by all seven points: the 8-view agreement is worth its cost
    return SecondStage(dialcheck.DIAL_NET, dialcheck.build_dial_net, dialcheck.fit_dial_net, dialcheck.dial_outputs,
                       TTA_ANGLES_DEG)


def _polar_stage() -> SecondStage:
    from ablab.clock import polar, polar_net, polar_stage

    # only the centre is used, and the polar reader's own offset head corrects it: one view (measured: the 8-view
    # centre read no better after the polar reader's fits, and cost 12 ms of a 42 ms read)
    return SecondStage(polar.POLAR_NET, polar_net.build_polar_net, polar_stage.fit_polar_net,
                       polar_stage.polar_outputs, (0.0,))


STAGES: dict[str, Callable[[], SecondStage]] = {"dial": _dial_stage, "polar": _polar_stage}


def get_stage(name: str) -> SecondStage:
    if name not in STAGES:
        raise unknown_name("second stage", name, STAGES)
    return STAGES[name]()


def two_stage_model(points_net, second_net):
    """One functional model holding both networks (for one `.keras` file): inputs {"image", <second_net's input>},
    outputs {point heads..., the second net's outputs}; named like points_net, so the name carries the encoding.

    A second net with one output adds it under its input's stem ("dial_crop" → "dial"); one with several adds
    each as "<net>_<name>" less the "_reader"/"_check" suffix ("polar_angles", "polar_mirror")."""
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
    return keras.Model({"image": image, second_input_name: second}, outputs, name=points_net.name)


def reader_parts(model) -> tuple[object, object | None]:
    """A saved reader → (the point/one-image network, its second stage's network or None): a two_stage_model is
    taken apart, any other reader is returned as it is."""
    names = {layer.name for layer in model.layers}
    if model.name not in names:
        return model, None
    for make in STAGES.values():
        net_name = make().net_name
        if net_name in names:
            return model.get_layer(model.name), model.get_layer(net_name)
    return model, None


def stage_of(second_net) -> SecondStage:
    """The SecondStage whose network second_net is."""
    for make in STAGES.values():
        stage = make()
        if stage.net_name == second_net.name:
            return stage
    raise ValueError(f"{second_net.name!r} is no second stage's network")


def point_views(second_net) -> tuple[float, ...]:
    """The turns (deg) a point reader reads each image at: its second stage's choice, else all 8 (ablab.clock.tta)."""
    from ablab.clock.tta import TTA_ANGLES_DEG

    return TTA_ANGLES_DEG if second_net is None else stage_of(second_net).point_views


def second_outputs(second_net, images: np.ndarray, points: np.ndarray) -> dict:
    """Run second_net on images (N, S, S) placed by the point reader's (N, 7, 2) points → the decoder's inputs."""
    return stage_of(second_net).outputs(second_net.predict_on_batch, images, points)
