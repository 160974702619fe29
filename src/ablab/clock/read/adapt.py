"""Adapt a two-stage reader to a new clock design from time labels alone: no landmarks, no camera.

The report's Task 3 user holds 18,000 photographs of one clock with their times and nothing else; the best reader
trains from landmark points only our generator knows. But its polar reader sees a turned camera as a shift of the
strip's columns, so a time label fixes the hands' directions relative to the 12 without saying where the 12 is:
the minute hand at 6°·minute clockwise of it, the hour hand at 30°·(hour + minute/60), counter-clockwise in a mirror
image. The label's likelihood under the polar reader's outputs is then a sum over where the 12 might be and
whether the picture is mirrored:

    p(label) = Σ_s p(s) Σ_j p12(j) · p_minute(j + s·Δm) · p_hour(j + s·Δh),   s = +1 (as is) or −1 (mirrored)

(Δ the label's hand angles in output bins), and its negative log is a loss (label_only_loss) that trains the polar
reader on the new design. Only the polar reader learns; the point reader still gives the centre (the polar reader's
own offset head corrects it), and the strips are cut once, where the reader being adapted cuts them.
"""

from __future__ import annotations

import math
import time

import numpy as np

from ablab.clock.read import polar, polar_stage
from ablab.clock.read.metrics import cse_minutes
from ablab.clock.read.reader import Reader
from ablab.clock.read.stage_bar import StageBar
from ablab.clock.read.stages import two_stage_model
from ablab.errors import AblabError

ADAPT_LR = 3e-4  # a tenth of the polar reader's peak rate from scratch: it starts trained
UNTRAINED_HEADS = ("radial", "offset", "radius")  # ablab.clock.read.polar_net's layers behind the geometry heads
TIMING_STEPS = 8  # steps timed before choosing how many epochs fit the budget
CHECKS_PER_EPOCH = 2  # validation checks per epoch, when adapting with a validation split
VALID_STRIPS = 600  # at most this many validation images are cut and scored at each check


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
    """uint8 (N, S, S) → uint8 strips (N, rows, cols) cut where `reader` reads them (polar_stage.fitted_cut);
    a progress bar over the images when show_bar (minutes for the report's 14,400 training images)."""
    from rich.progress import Progress

    parts = []
    with Progress(disable=not show_bar) as bar:
        task = bar.add_task("finding the dials", total=len(images))
        for start in range(0, len(images), chunk):
            batch = images[start : start + chunk]
            points = reader.dial_points(batch)
            centre, reach = polar_stage.fitted_cut(reader.second_net.predict_on_batch, batch, points)
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
                   valid: tuple[np.ndarray, np.ndarray] | None = None, batch_size: int = 64,
                   show_bar: bool = False) -> dict:
    """Train the polar reader `net` in place on strips with their time labels for as many steps as fit budget_s
    (from the time of TIMING_STEPS steps), the rate decaying from ADAPT_LR to 0 on a cosine over them (as the
    polar reader's own training decays), on freshly turned strips. With `valid` (strips, labels) the net is scored
    every CHECKS_PER_EPOCH-th of an epoch and left with the weights that scored best: more epochs do not always
    read better (measured: one epoch 8.9 min on the test split, 4.7 epochs 49 min). Returns {"epochs": steps /
    steps per epoch, "steps", "best_step", "valid_mean_cse_min": per check, "wall_s", "loss": per check}."""
    import keras

    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    shifts = label_shifts(labels)
    trainer = _joint_model(net)
    step_s = _timed_steps(trainer, strips, shifts, batch_size)
    steps_per_epoch = math.ceil(len(strips) / batch_size)
    check_every = max(1, steps_per_epoch // CHECKS_PER_EPOCH)
    t0 = time.perf_counter()
    best = {"error": _valid_error(net, valid), "step": 0, "weights": net.get_weights()}  # also: a check's time
    check_s = time.perf_counter() - t0
    left_s = budget_s - (time.perf_counter() - start)
    # 15% on a step: turning strips, the first trace; a check after every check_every steps
    steps = max(1, int(left_s / (1.15 * step_s + check_s / check_every)))
    trainer.compile(optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(ADAPT_LR, steps)),
                    loss=label_only_loss)
    losses, curve = [], [best["error"]]
    with StageBar(f"adapting the polar reader (labels only; {steps / steps_per_epoch:.1f} epochs in parts of "
                  f"{check_every} steps)", epochs=math.ceil(steps / check_every), steps_per_epoch=check_every,
                  total_steps=steps, enabled=show_bar) as bar:
        for done in range(0, steps, check_every):
            rows = rng.choice(len(strips), min(len(strips), min(steps - done, check_every) * batch_size), replace=False)
            hist = trainer.fit(_turned(strips[rows], rng)[..., None], shifts[rows], batch_size=batch_size, epochs=1,
                               shuffle=True, verbose=0, callbacks=[bar.callback()])
            losses.append(float(hist.history["loss"][-1]))
            curve.append(_valid_error(net, valid))
            if curve[-1] < best["error"]:
                best = {"error": curve[-1], "step": done + min(steps - done, check_every), "weights": net.get_weights()}
    if valid is not None:
        net.set_weights(best["weights"])
    return {"epochs": steps / steps_per_epoch, "steps": steps, "best_step": best["step"] if valid else steps,
            "valid_mean_cse_min": curve if valid else [], "wall_s": time.perf_counter() - start, "loss": losses}


def _valid_error(net, valid: tuple[np.ndarray, np.ndarray] | None) -> float:
    """Mean common-sense error (min) of the polar reader on validation strips, decoded as reading decodes (one
    cut: the strips as cut; both ways; the upright rule); 0.0 without validation strips."""
    if valid is None:
        return 0.0
    strips, labels = valid
    out = polar_stage.polar_probs(net.predict_on_batch, strips)
    read, _ = polar_stage.decode_polar({"polar_angles": out["angles"], "polar_mirror": out["mirror"]})
    return float(cse_minutes(labels, read).mean())


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


def adapt_reader(reader: Reader, images: np.ndarray, labels: np.ndarray, *, budget_s: float, seed: int,
                 valid: tuple[np.ndarray, np.ndarray] | None = None, show_bar: bool = False):
    """A copy of the two-stage `reader` whose polar reader has learned the design of `images` (uint8 (N, S, S) at
    its input size) from `labels` alone, within budget_s seconds (cutting the strips included), keeping the
    weights that read best the first VALID_STRIPS of `valid` (images, labels) if given. Returns (the saved-format
    model: two_stage_model, fit_label_only's facts with "strips_s")."""
    import keras

    if reader.stage is None or reader.second_net is None:
        raise AblabError("adapting from labels alone needs a two-stage reader (a point reader and a polar reader), "
                         "such as the one that ships with ablab")
    start = time.perf_counter()
    keras.utils.set_random_seed(seed)
    strips = dial_strips(reader, images, show_bar=show_bar)
    if valid is not None:
        valid = (dial_strips(reader, valid[0][:VALID_STRIPS]), np.asarray(valid[1][:VALID_STRIPS]))
    strips_s = time.perf_counter() - start
    net = _bare_copy(reader.second_net)
    for name in UNTRAINED_HEADS:  # no label says where the centre or the rim is: those heads stay as they were
        net.get_layer(name).trainable = False
    info = fit_label_only(net, strips, labels, budget_s=budget_s - strips_s, seed=seed, valid=valid,
                          show_bar=show_bar)
    info.update(strips_s=strips_s, wall_s=time.perf_counter() - start)
    return two_stage_model(_bare_copy(reader.net), net), info


def _bare_copy(net):
    """net's layers and weights without its optimizer: a reader saved with the shipped networks' optimizer state
    (which adapting neither uses nor keeps up) warned "Skipping variable loading for optimizer" on every load."""
    import keras

    copy = keras.Model.from_config(net.get_config())  # clone_model would carry the optimizer over (Keras 3.15)
    copy.set_weights(net.get_weights())
    return copy
