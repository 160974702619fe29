"""Adapt a two-stage reader to a new clock design from time labels alone: no landmarks, no camera.

The report's Task 3 user holds 18,000 photographs of one clock with their times and nothing else; the best reader
trains from landmark points only our generator knows. But its polar reader sees a turned camera as a shift of the
strip's columns, so a time label fixes the hands' directions relative to the 12 without saying where the 12 is:
the minute hand at 6°·minute clockwise of it, the hour hand at 30°·(hour + minute/60), counter-clockwise in a mirror
image. The label's likelihood under the polar reader's outputs is then a sum over where the 12 might be and
whether the picture is mirrored:

    p(label) = Σ_s p(s) Σ_j p12(j) · p_minute(j + s·Δm) · p_hour(j + s·Δh),   s = +1 (as is) or −1 (mirrored)

(Δ the label's hand angles in output bins), and its negative log is a loss (label_only_loss) that trains the polar
reader on the new design. Only the polar reader's reading learns. Where to cut the dial (the centre's offset and
the dial's size) no label teaches: the adapted reader keeps its parent's polar reader to place the cuts
(stages.CUT_SUFFIX) and reads the cut strips with the adapted one. Measured before this split: training moved the
layers under the frozen offset and radius heads, the cuts drifted, and on `light-hands@4` the adapted net read
1.6 min on the parent's cuts but 24–52 min on its own.
"""

from __future__ import annotations

import math
import time
from typing import Callable

import numpy as np

from ablab.clock.read import polar, polar_stage
from ablab.clock.read.reader import Reader
from ablab.clock.read.stage_bar import StageBar
from ablab.clock.read.stages import bare_copy, two_stage_model
from ablab.clock.read.train import evaluate_reader
from ablab.errors import AblabError

ADAPT_LR = 3e-4  # a tenth of the polar reader's peak rate from scratch: it starts trained
# ablab.clock.read.polar_net's layers behind the geometry heads: no label teaches them, and the parent's net places
# the cuts, so they stay as they were (frozen, they also ask for no gradient the loss cannot give)
UNTRAINED_HEADS = ("radial", "offset", "radius")
TIMING_STEPS = 8  # steps timed for the first plan of how many steps fit the budget (later parts re-plan it)
CHECKS_PER_EPOCH = 2  # validation checks per epoch, when adapting with a validation split
VALID_IMAGES = 600  # at most this many validation images are read (as `read` reads them) at each check


def label_shifts(labels: np.ndarray) -> np.ndarray:
    """int (N, 2) [hour, minute] → float32 (N, 2): the minute and hour hands' dial angles, in output bins."""
    labels = np.asarray(labels, np.float64)
    minute_deg, hour_deg = labels[:, 1] * 6.0, (labels[:, 0] % 12 + labels[:, 1] / 60.0) * 30.0
    return (np.round(np.stack([minute_deg, hour_deg], 1) * polar.OUT_BINS / 360.0) % polar.OUT_BINS).astype(np.float32)


def label_only_loss(y_true, y_pred):
    """y_true (B, 2) label_shifts; y_pred (B, 3·OUT_BINS + 1): the polar reader's angle logits (bins × channels
    minute, hour, 12, flattened) and its mirror logit → (B,) −log p(label) (the module's formula)."""
    from keras import ops

    bins = polar.OUT_BINS
    logits = ops.reshape(y_pred[:, : 3 * bins], (-1, bins, 3))
    logp = ops.log_softmax(logits, axis=1)
    minute, hour, twelve = logp[:, :, 0], logp[:, :, 1], logp[:, :, 2]
    shifts = ops.cast(y_true, "int32")
    index = ops.arange(bins, dtype="int32")[None, :]

    def joint(sign: int):
        at_minute = ops.mod(index + sign * shifts[:, :1] + bins, bins)
        at_hour = ops.mod(index + sign * shifts[:, 1:] + bins, bins)
        return ops.logsumexp(twelve + ops.take_along_axis(minute, at_minute, axis=1)
                             + ops.take_along_axis(hour, at_hour, axis=1), axis=1)

    mirror = y_pred[:, 3 * bins]
    as_is = joint(1) + ops.log_sigmoid(-mirror)
    mirrored = joint(-1) + ops.log_sigmoid(mirror)
    return -ops.logaddexp(as_is, mirrored)


def dial_strips(reader: Reader, images: np.ndarray, chunk: int = 512, show_bar: bool = False) -> np.ndarray:
    """uint8 (N, S, S) → uint8 strips (N, rows, cols) cut where `reader` reads them (polar_stage.fitted_cut with
    its geometry_net); a progress bar over the images when show_bar (minutes for the report's 14,400 images)."""
    from rich.progress import Progress

    parts = []
    with Progress(disable=not show_bar) as bar:
        task = bar.add_task("finding the dials", total=len(images))
        for start in range(0, len(images), chunk):
            batch = images[start : start + chunk]
            points = reader.dial_points(batch)
            centre, reach = polar_stage.fitted_cut(reader.geometry_net.predict_on_batch, batch, points)
            parts.append(polar.polar_strips(batch, centre, reach))
            bar.update(task, advance=len(batch))
    return np.concatenate(parts)


def _joint_model(net):
    """The polar reader with its angle logits and mirror logit side by side: (B, 3·OUT_BINS + 1)."""
    import keras
    from keras import layers

    strip = keras.Input(net.input_shape[1:], name="strip")
    out = net(strip)
    flat = layers.Reshape((3 * polar.OUT_BINS,), name="angles_flat")(out["angles"])
    return keras.Model(strip, layers.Concatenate(name="joint")([flat, out["mirror"]]), name="label_only")


def _turned(strips: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each strip turned by a random whole number of output bins (a turned camera: the labels still hold)."""
    turns = rng.integers(polar.OUT_BINS, size=len(strips)) * polar.STRIDE
    out = np.empty_like(strips)
    for turn in np.unique(turns):
        rows = turns == turn
        out[rows] = polar.turn_strips(strips[rows], int(turn))
    return out


def fit_label_only(net, strips: np.ndarray, labels: np.ndarray, *, budget_s: float, seed: int,
                   score: Callable[[], float] | None = None, batch_size: int = 64, show_bar: bool = False) -> dict:
    """Train the polar reader `net` in place on strips with their time labels, freshly turned, for as many steps as
    fit budget_s, the rate decaying from ADAPT_LR to 0 on a cosine over them (as the polar reader's own training
    decays). It trains in parts of 1/CHECKS_PER_EPOCH epoch and re-plans the steps after each from the time the
    parts and checks took, so the budget is filled and not overrun. With `score` (the net's validation error, read
    as `read` reads) the net is scored before and after every part and left with the best-scoring weights (on
    `light-hands@4`, 30 min: those after step 896 of 1,068; the last ones need not be the best). Returns
    {"epochs", "steps", "best_step", "valid_mean_cse_min": per check, "wall_s", "loss": per part}."""
    import keras

    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    shifts = label_shifts(labels)
    trainer = _joint_model(net)
    step_s = _timed_steps(trainer, strips, shifts, batch_size)
    steps_per_epoch = math.ceil(len(strips) / batch_size)
    check_every = max(1, steps_per_epoch // CHECKS_PER_EPOCH)
    plan = {"steps": 0, "done": 0}
    check_s, curve, best = _check(net, score, {"error": math.inf, "step": 0})
    plan["steps"] = max(1, _steps_left(budget_s - (time.perf_counter() - start), step_s, check_s, check_every))
    trainer.compile(optimizer=keras.optimizers.Adam(ADAPT_LR), loss=label_only_loss)
    losses = []
    with StageBar(f"adapting the polar reader (labels only; parts of {check_every} steps, "
                  f"{steps_per_epoch} an epoch)", epochs=math.ceil(plan["steps"] / check_every),
                  steps_per_epoch=check_every, total_steps=plan["steps"], enabled=show_bar) as bar:
        while plan["done"] < plan["steps"]:
            part = min(check_every, plan["steps"] - plan["done"])
            rows = rng.choice(len(strips), min(len(strips), part * batch_size), replace=False)
            t0 = time.perf_counter()
            hist = trainer.fit(_turned(strips[rows], rng)[..., None], shifts[rows], batch_size=batch_size, epochs=1,
                               shuffle=True, verbose=0, callbacks=[bar.callback(), _cosine(plan)])
            step_s = (time.perf_counter() - t0) / part
            plan["done"] += part
            losses.append(float(hist.history["loss"][-1]))
            if score is not None:  # ~30 s on 2 cores: said on the bar, which stands still meanwhile
                bar.say("reading the validation clocks")
            check_s, error, best = _check(net, score, best, plan["done"])
            curve += error
            left_s = budget_s - (time.perf_counter() - start)
            plan["steps"] = plan["done"] + _steps_left(left_s, step_s, check_s, check_every)
            bar.replan(plan["steps"])
    if score is not None:
        net.set_weights(best["weights"])
    return {"epochs": plan["done"] / steps_per_epoch, "steps": plan["done"],
            "best_step": best["step"] if score else plan["done"], "valid_mean_cse_min": curve,
            "wall_s": time.perf_counter() - start, "loss": losses}


def _check(net, score, best: dict, step: int = 0) -> tuple[float, list[float], dict]:
    """Score the net (if there is a score): (seconds it took, [its error] or [], the best so far, with weights)."""
    if score is None:
        return 0.0, [], best
    t0 = time.perf_counter()
    error = float(score())
    if error < best["error"]:
        best = {"error": error, "step": step, "weights": net.get_weights()}
    return time.perf_counter() - t0, [error], best


def _steps_left(left_s: float, step_s: float, check_s: float, check_every: int) -> int:
    """How many more steps fit left_s seconds at step_s each, with a check of check_s after every check_every
    steps and after the last (so a last short part still leaves time for its check)."""
    return max(0, int((left_s - check_s) / (step_s + check_s / check_every)))


def _cosine(plan: dict):
    """A Keras callback setting the rate before each step: ADAPT_LR · ½(1 + cos(π · step / plan["steps"])), the
    step counted over the whole adaptation (plan["done"] steps before this part), the plan as re-planned."""
    import keras

    class Cosine(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            progress = min(1.0, (plan["done"] + batch) / max(1, plan["steps"]))
            self.model.optimizer.learning_rate.assign(ADAPT_LR * 0.5 * (1.0 + math.cos(math.pi * progress)))

    return Cosine()


def _timed_steps(trainer, strips: np.ndarray, shifts: np.ndarray, batch_size: int) -> float:
    """Seconds per training step on this machine: TIMING_STEPS steps after a traced first one, on a throwaway
    compile (the real one starts its schedule and optimizer afresh)."""
    import keras

    trainer.compile(optimizer=keras.optimizers.Adam(0.0), loss=label_only_loss)
    first = slice(0, batch_size)
    trainer.fit(strips[first][..., None], shifts[first], batch_size=batch_size, epochs=1, verbose=0)
    probe = slice(0, TIMING_STEPS * batch_size)
    t0 = time.perf_counter()
    trainer.fit(strips[probe][..., None], shifts[probe], batch_size=batch_size, epochs=1, verbose=0)
    return (time.perf_counter() - t0) / max(1, math.ceil(len(strips[probe]) / batch_size))


def check_adaptable(reader: Reader, path=None) -> None:
    """AblabError (naming the file at `path`, if given) unless `reader` has a polar second stage to adapt."""
    if reader.stage is None or reader.second_net is None:
        name = "" if path is None else f"{path}: "
        raise AblabError(f"{name}adapting from labels alone needs a two-stage reader (a point reader and a polar "
                         "reader), such as the one that ships with ablab (drop --from to adapt it)")


def adapt_reader(reader: Reader, images: np.ndarray, labels: np.ndarray, *, budget_s: float, seed: int,
                 valid: tuple[np.ndarray, np.ndarray] | None = None, show_bar: bool = False):
    """A copy of the two-stage `reader` whose polar reader has learned the design of `images` (uint8 (N, S, S) at
    its input size) from `labels` alone, within budget_s seconds (cutting the strips included), keeping the
    weights that read best the first VALID_IMAGES of `valid` (images, labels) if given, read as `read` reads
    them. Its cuts stay where `reader` places them (reader.geometry_net). Returns (the saved-format model:
    two_stage_model, fit_label_only's facts with "strips_s")."""
    import keras

    check_adaptable(reader)
    start = time.perf_counter()
    keras.utils.set_random_seed(seed)
    strips = dial_strips(reader, images, show_bar=show_bar)
    strips_s = time.perf_counter() - start
    net = bare_copy(reader.second_net)
    for name in UNTRAINED_HEADS:
        net.get_layer(name).trainable = False
    score = None
    if valid is not None:
        candidate = reader.with_reading_net(net).with_options(reader.options.without_search())
        valid_images, valid_labels = valid[0][:VALID_IMAGES], np.asarray(valid[1][:VALID_IMAGES])
        score = lambda: evaluate_reader(candidate, valid_images, valid_labels)["mean_cse_min"]  # noqa: E731
    info = fit_label_only(net, strips, labels, budget_s=budget_s - strips_s, seed=seed, score=score,
                          show_bar=show_bar)
    info.update(strips_s=strips_s, wall_s=time.perf_counter() - start)
    return two_stage_model(bare_copy(reader.net), net, cut_net=reader.geometry_net), info
