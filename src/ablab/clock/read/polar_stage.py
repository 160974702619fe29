"""The polar reader as a second stage after the point reader: training on strips cut around the generator's true
centres, and reading on strips cut around the point reader's centre (ablab.clock.read.polar,
ablab.clock.read.polar_net).

Only the centre comes from the first stage (read once: ~1.2 px off on the median `varied` dial, 3.3 px at the
95th percentile). The first cut reaches STRIP_REACH from it, whatever the dial's size. The polar reader says how
far off that centre is and how far the dial reaches along the strip, so each later cut is around the corrected
centre and fitted to the dial (polar.DIAL_MARGIN radii): every dial is then read at one scale. The point reader's
own dial points were no way to the radius: drawn toward the centre when it is unsure (its soft-argmax), they put
it 12% off on the median dial and 35% on one in ten (measured).

Training needs no first-stage outputs: each strip is cut around the true centre moved by a normal 2 px (the offset
to learn), FIRST_CUT_SHARE of them at the first cut's reach and the rest fitted to the generator's dial radius,
each reach ±10%, so the two stages train independently. Dials that show mirroring (numerals) are also read
reversed (a mirror image: mirror flag toggled, every direction φ → −φ, the offset's x negated), which balances the
one-in-five mirrored dials.

Reading a picture (read_pictures) goes further in the stage's reading mode (PolarOptions): a dial it measured small
is cut out and read again (the dial finder), and a reading still unsure is looked for in a grid of squares of the
picture (the search). Both, and every constant they use, live here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import partial
from typing import Callable

import numpy as np

from ablab.clock.data.images import crop_gray, resize_gray
from ablab.clock.data.landmarks import LANDMARKS
from ablab.clock.read import polar
from ablab.clock.read.explain import DialSeen, crop_frame

STRIP_REACH = 1.0  # the first cut's reach, normalized units from the centre: half the image side (every preset's
#                   dial lies within 0.97 of its centre)
FIRST_CUT_SHARE = 0.3  # of training strips cut at STRIP_REACH, as reading's first cut is; the rest fitted to the dial
CENTRE_JITTER = 2.0 / 75.0  # normalized units: 2 px at 150 px (σ of a normal per axis)
REACH_JITTER = 0.1  # ± fraction of the reach (uniform)
READ_VIEWS = ((1.0, 0), (0.95, 2), (1.05, 4))  # (reach factor, columns turned) of the last cut, averaged
REACH_LIMITS = (0.4, 1.4)  # a fitted reach is kept within these (normalized units)
# The camera rule of the world: wall clocks hang upright, give or take a few degrees; a dial that shows no mirror cue
# (decode_polar, shows_mirror_cue) is read as such a clock. UPRIGHT_SHARE of all clocks are taken to hang so: the
# prior then outweighs the reader's own preference among a ticks-only dial's twelve look-alike 12s up to about 130 to
# 1 (at 0.5: 15 to 1, and 21 of 300 upright ticks-only validation dials read with the 12 at another hour mark).
# UPRIGHT_SHARE was chosen on validation draws (seed 1010; docs/clock_reader.md). The reading's confidence is stated
# under CONFIDENCE_SHARE, even odds: weighed by the stronger prior, a dial turned away from upright that shows its 12
# lost confidence it had earned (the "uncertain" threshold fell 0.578 → 0.508, and fewer small dials were searched).
UPRIGHT_SHARE = 0.9
CONFIDENCE_SHARE = 0.5
UPRIGHT_SIGMA_DEG = 10.0
# A dial measured smaller than ZOOM_BELOW (its radius in normalized units, 1 = half the picture's side) is cut out
# at ZOOM_TO: the middle of the sizes the reader trained on (`varied` dials reach 0.6–0.94).
ZOOM_BELOW, ZOOM_TO = 0.5, 0.75
# A reading less sure than PolarOptions.search_below (the reader's "uncertain" threshold, in `read` and `evaluate`)
# is looked for again (_search): a dial at 0.3–0.5 of the frame, off centre, whose centre the point reader missed
# (on 73% of `small` validation dials it was more than 0.2 radii off; where it was not, they read 0.7 min).
# A 3×3 grid of squares reaching 0.55 each, 0.45 apart (normalized units), proposes where dials are (PROPOSAL_RADIUS:
# the radii kept); each proposal is cut out again from the whole picture at ZOOM_TO and read, and the surest
# reading counts if at least SEARCH_SURE sure: cut around a part of a big hard dial, a reading is now and then
# sure and wrong. SEARCH_SURE was chosen on validation draws (seed 1010, 150 px, 300 each of `small` and of the
# held-out families) as the lowest at which no family lost more than one dial to the search: at 0.98, `small` 115 →
# 69 min mean (the squares' own readings reached 79 at 0.97), `held-out` 12.7 → 13.7 (one dial), the rest
# unchanged. Confidence was the only rule that separated: readings agreeing across proposals, or proposals outside
# the first dial, lost 2–49 dials of the big ones. ~1 s more for each reading searched.
SEARCH_GRID, SEARCH_HALF, SEARCH_STEP = 3, 0.55, 0.45
PROPOSAL_RADIUS = (0.1, ZOOM_BELOW)  # normalized units: a smaller "dial" is a numeral or a knob
PROPOSAL_APART = 0.05  # normalized units: proposals closer than this are one
SEARCH_SURE = 0.98
_TARGETS = ("minute_tip", "hour_tip", "dial12")  # landmarks behind polar.ANGLES, in that order


def training_strips(part, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """A ClockPart with landmarks → {"strips": uint8 (N, rows, cols), "angles": (N, 3) directions (rad) of
    polar.ANGLES, "mirrored": (N,) bool, "offset": (N, 2) the true centre's offset in OFFSET_UNITs of the reach,
    "radius": (N, 1) polar.radius_rows}: one strip per image, cut around a jittered centre, FIRST_CUT_SHARE of them
    at STRIP_REACH and the rest fitted to the dial (polar.DIAL_MARGIN radii), every reach ±REACH_JITTER; dials
    with a mirror cue reversed half the time."""
    frame, n = part.frame, len(part)
    jitter = rng.normal(0.0, CENTRE_JITTER, (n, 2))
    centre = frame.landmarks[:, LANDMARKS.index("centre")] + jitter
    radius = polar.dial_radius(frame.landmarks)
    first_cut = rng.random(n) < FIRST_CUT_SHARE
    reach = np.where(first_cut, STRIP_REACH, polar.DIAL_MARGIN * radius)
    reach = reach * rng.uniform(1 - REACH_JITTER, 1 + REACH_JITTER, n)
    strips = polar.polar_strips(part.images, centre, reach)
    angles = polar.point_angles_rad(frame.landmarks[:, [LANDMARKS.index(k) for k in _TARGETS]], centre)
    flip = np.asarray(frame.mirror_cue, bool) & (rng.random(n) < 0.5)
    strips[flip] = strips[flip, :, ::-1]
    angles = np.where(flip[:, None], np.mod(-angles, 2 * math.pi), angles)
    offset = -jitter / (reach[:, None] * polar.OFFSET_UNIT)
    offset[flip, 0] *= -1.0  # a reversed strip is the picture mirrored left-right: x → −x
    return {"strips": strips, "angles": angles, "mirrored": np.asarray(frame.mirrored, bool) ^ flip,
            "offset": offset.astype(np.float32), "radius": polar.radius_rows(radius, reach)[:, None].astype(np.float32)}


def compile_polar_net(net, *, steps: int, lr: float = 2e-3) -> None:
    """AdamW, 5% linear warm-up then cosine decay; cross-entropy over directions, mirror as a logistic loss, the
    centre's offset and the dial's radius as Huber losses (in OFFSET_UNITs and rows, a few at the start: weighted
    0.2)."""
    import keras

    schedule = keras.optimizers.schedules.CosineDecay(0.0, steps, warmup_target=lr, warmup_steps=max(1, steps // 20))
    net.compile(optimizer=keras.optimizers.AdamW(schedule, weight_decay=1e-4),
                loss={"angles": keras.losses.CategoricalCrossentropy(from_logits=True, axis=1),
                      "mirror": keras.losses.BinaryCrossentropy(from_logits=True),
                      "offset": keras.losses.Huber(delta=1.0), "radius": keras.losses.Huber(delta=1.0)},
                loss_weights={"angles": 1.0, "mirror": 1.0, "offset": 0.2, "radius": 0.2})


def polar_probs(predict, strips: np.ndarray, *, both_ways: bool = True, chunk: int = 256) -> dict[str, np.ndarray]:
    """uint8 strips (N, rows, cols) → {"angles": direction probabilities (N, OUT_BINS, 3), "mirror": probability
    (N,), "offset": (N, 2) the centre's offset in OFFSET_UNITs of the reach, "radius": (N,) rows (radius_rows)}.

    both_ways: each strip is also read reversed and its directions mapped back (bin k ↔ OUT_BINS − 1 − k; offset
    x → −x), and the two are averaged. The mirror probabilities are not averaged: "mirror" is the forward read's,
    and "mirror_reversed" (N,) the reversed read's own, of the picture's mirror image (mirror_verdict weighs the
    two). predict maps float32 (B, rows, cols, 1) to the net's outputs; it is called once per chunk of strips."""
    parts: dict[str, list] = {"angles": [], "mirror": [], "offset": [], "radius": []}
    if both_ways:
        parts["mirror_reversed"] = []
    for start in range(0, len(strips), chunk):
        batch = np.asarray(strips[start : start + chunk], np.float32)[..., None]
        n = len(batch)
        out = {k: np.asarray(v, np.float64) for k, v in
               predict(np.concatenate([batch, batch[:, :, ::-1]]) if both_ways else batch).items()}
        p = _softmax(out["angles"], axis=1)
        o, r = out["offset"], out["radius"][:, 0]
        if both_ways:
            p, o, r = (p[:n] + p[n:, ::-1]) / 2, (o[:n] + o[n:] * np.array([-1.0, 1.0])) / 2, (r[:n] + r[n:]) / 2
        parts["angles"].append(p)
        mirror = 1.0 / (1.0 + np.exp(-out["mirror"][:, 0]))
        parts["mirror"].append(mirror[:n])
        if both_ways:
            parts["mirror_reversed"].append(mirror[n:])
        parts["offset"].append(o)
        parts["radius"].append(r)
    shapes = {"angles": (0, polar.OUT_BINS, len(polar.ANGLES)), "mirror": (0,), "mirror_reversed": (0,),
              "offset": (0, 2), "radius": (0,)}
    return {k: np.concatenate(v) if v else np.zeros(shapes[k]) for k, v in parts.items()}


def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def polar_outputs(predict, images: np.ndarray, points: np.ndarray, *, passes: int = 3, views=READ_VIEWS,
                  cut_predict=None) -> dict[str, np.ndarray]:
    """uint8 (N, S, S) and the point reader's (N, 7, 2) points → the decoder's polar inputs:
    {"polar_angles": (N, OUT_BINS, 3) probabilities, "polar_mirror": (N,) probability, "centre": (N, 2) and
    "reach": (N,) of the last cut (normalized units; the reach is DIAL_MARGIN dial radii unless clipped)}.

    The first cut is around the point reader's centre at STRIP_REACH; each later one around the centre moved by
    the offset the polar reader saw and fitted to the dial it measured (forward reads: only their geometry is
    used); `passes` cuts in all. The last cut is read in each of `views` (reach factor, columns turned), both ways,
    and averaged. Measured on the `varied` splits (docs/clock_reader.md): the first cut places the centre ~1.2 px
    off (the point reader's one view), the second 0.24 px, the third 0.17 px; reach within ±4% of the fit.
    cut_predict, when given, places the cuts instead of predict (an adapted reader: its parent's polar reader)."""
    centre, reach = fitted_cut(cut_predict or predict, images, points, passes=passes)
    return {**_read_views(predict, images, centre, reach, views), "centre": centre, "reach": reach}


def fitted_cut(predict, images: np.ndarray, points: np.ndarray, *, passes: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Where the last of `passes` cuts goes: (centre (N, 2), reach (N,)) in normalized units. The first cut is
    around the point reader's centre at STRIP_REACH; each later one around the centre moved by the offset the
    polar reader saw, fitted to the dial it measured (forward reads: only their geometry is used)."""
    centre = np.asarray(points, np.float64)[:, LANDMARKS.index("centre")]
    reach = np.full(len(centre), STRIP_REACH)
    for _ in range(passes - 1):
        out = polar_probs(predict, polar.polar_strips(images, centre, reach), both_ways=False)
        centre = centre + out["offset"] * (reach * polar.OFFSET_UNIT)[:, None]
        reach = np.clip(polar.fitted_reach(reach, out["radius"]), *REACH_LIMITS)
    return centre, reach


def _read_views(predict, images, centre, reach, views) -> dict[str, np.ndarray]:
    """The averaged polar read of strips cut around centre at reach, in each (reach factor, columns turned) view;
    a view turned by k columns is turned back by k / STRIDE bins (k a multiple of polar.STRIDE)."""
    strips = {factor: polar.polar_strips(images, centre, reach * factor) for factor in {f for f, _ in views}}
    batch = np.concatenate([polar.turn_strips(strips[factor], turn) for factor, turn in views])
    out = polar_probs(predict, batch)
    n = len(images)
    angles = [np.roll(out["angles"][i * n : (i + 1) * n], -turn // polar.STRIDE, axis=1)
              for i, (_, turn) in enumerate(views)]
    return {"polar_angles": np.mean(angles, axis=0), "polar_mirror": out["mirror"].reshape(len(views), n).mean(0),
            "polar_mirror_reversed": out["mirror_reversed"].reshape(len(views), n).mean(0)}


def mirror_verdict(forward: np.ndarray, reversed_: np.ndarray | None = None) -> np.ndarray:
    """The forward read's P(mirrored) (N,) and, when given, the reversed read's (N,) → (N,) bool, mirrored.

    Why both: a dial that shows a mirror image as one (numerals, writing) is read the other way round reversed, so
    the reversed read should say "not mirrored" where the forward one says "mirrored"; a dial with no such cue is
    taken for an unmirrored one both ways (the camera rule: only a dial that shows the mirror is mirrored). A
    verdict of "mirrored" therefore stands only where the reversed read does not also say it. Chosen on validation
    draws (seed 1010, the polar stage alone): dials read with the wrong mirror side 8 → 2 of 600 on `varied`, mean
    5.13 → 4.72 min; six held-out families 7.55 → 7.27 min (docs/clock_reader.md)."""
    mirrored = np.asarray(forward, np.float64).reshape(-1) > 0.5
    if reversed_ is None:
        return mirrored
    return mirrored & (np.asarray(reversed_, np.float64).reshape(-1) < 0.5)


def shows_mirror_cue(forward: np.ndarray, reversed_: np.ndarray) -> np.ndarray:
    """The forward and reversed reads' P(mirrored), (N,) each → (N,) bool: the dial shows a mirror image as one.

    A dial with numerals or writing is read the other way round reversed, so the two reads disagree; a dial without
    such a cue is taken for an unmirrored one both ways. Measured on validation draws (seed 1010): the share of dials
    this calls cued is within 0.03 of the generator's own mirror_cue on `varied` and every held-out family."""
    gap = np.asarray(forward, np.float64).reshape(-1) - np.asarray(reversed_, np.float64).reshape(-1)
    return np.abs(gap) >= 0.5


def decode_polar(outputs: dict, upright_share: float = UPRIGHT_SHARE, *, directions: bool = False) -> tuple:
    """{"polar_angles": (N, OUT_BINS, 3) (or flattened), "polar_mirror": (N,) or (N, 1), optionally
    "polar_mirror_reversed": (N,)} → (int (N, 2) [hour, minute], confidence (N,)), with `directions` also the
    image directions (N, 3) rad of the minute hand, hour hand and 12 it read by, and the mirror sides (N,).

    The mirror side is mirror_verdict's; the confidence is the least sure of the three peaks' mass and the forward
    read's mirror certainty. One stroke is not read as both hands where the hour channel shows the other
    (polar.separate_hands); the minute hand is taken where it agrees with the hour hand (polar.agreeing_minute).
    The camera rule of the world: a dial with no cue to its 12 hangs upright, one with a cue may turn freely. With
    upright_share > 0, on every dial that shows no mirror cue (shows_mirror_cue; all dials when the reversed read
    is not given) the 12's probabilities are weighted by the world's prior (polar.upright_prior: upright_share of
    clocks hang upright) and its peak is chosen where it also agrees with the hands (polar.choose_twelve), so a
    dial that shows no 12 is read upright; the 12's mass in the confidence is weighed by the CONFIDENCE_SHARE prior
    instead. A dial with numerals or writing shows its 12, so its own reading of the 12 stands."""
    probs = np.asarray(outputs["polar_angles"], np.float64)
    probs = probs.reshape(len(probs), polar.OUT_BINS, len(polar.ANGLES))
    angles, mass = polar.decode_angles(probs)
    mirror_p = np.asarray(outputs["polar_mirror"], np.float64).reshape(-1)
    reversed_p = outputs.get("polar_mirror_reversed")
    if upright_share > 0:
        hung = np.ones(len(probs), bool) if reversed_p is None else ~shows_mirror_cue(mirror_p, reversed_p)
        prior, mass_prior = (polar.upright_prior(s, UPRIGHT_SIGMA_DEG) for s in (upright_share, CONFIDENCE_SHARE))
        angles[hung, 2], mass[hung, 2] = polar.choose_twelve(probs[hung, :, 2], prior, angles[hung, 0],
                                                             angles[hung, 1], mass_prior)
    mirrored = mirror_verdict(mirror_p, reversed_p)
    angles[:, 1], mass[:, 1] = polar.separate_hands(probs[:, :, 1], angles[:, 0], angles[:, 1], mass[:, 1],
                                                    angles[:, 2], mirrored)
    minute = polar.agreeing_minute(probs[:, :, 0], angles[:, 1], angles[:, 2], mirrored)
    labels = polar.time_from_angles(minute, angles[:, 1], angles[:, 2], mirrored)
    read = labels, np.minimum(mass.min(axis=1), np.maximum(mirror_p, 1.0 - mirror_p))
    return (*read, np.stack([minute, angles[:, 1], angles[:, 2]], axis=1), mirrored) if directions else read


def read_polar(predict, images: np.ndarray, points: np.ndarray, upright_share: float = UPRIGHT_SHARE,
               cut_predict=None) -> tuple[np.ndarray, np.ndarray, tuple]:
    """The polar stage's reading: uint8 (N, S, S) and the point reader's (N, 7, 2) points → (int (N, 2)
    [hour, minute], confidence (N,), the dial it read as a DialSeen: its circle in normalized units, the directions
    of the hands and the 12 and the mirror side it read by); predict is the polar reader's forward pass, cut_predict
    the one that places the cuts if another (polar_outputs, decode_polar)."""
    outputs = polar_outputs(predict, images, points, cut_predict=cut_predict)
    labels, confidence, angles, mirrored = decode_polar(outputs, upright_share, directions=True)
    return labels, confidence, DialSeen.circle(outputs["centre"], outputs["reach"] / polar.DIAL_MARGIN, angles,
                                               mirrored)


# ---------------------------------------------------------------- reading pictures: the reading mode, finder, search


@dataclass(frozen=True)
class PolarOptions:
    """The polar stage's reading mode. The default is how a reader reads without an "uncertain" threshold;
    `searching(threshold)` how `read` and `evaluate` read with one; the `without_*` modes measure what each part
    buys (bench/ship_reader.py)."""

    find_dial: bool = True  # read a dial measured smaller than ZOOM_BELOW again, cut out around it at ZOOM_TO
    upright_share: float = UPRIGHT_SHARE  # the world's share of upright clocks (the 12's prior); 0: no upright rule
    search_below: float = 0.0  # search the picture for a dial where a reading is less sure than this; 0: never

    @classmethod
    def searching(cls, below: float | None) -> PolarOptions:
        """As `read` and `evaluate` read with the reader's "uncertain" threshold `below` (None: no search)."""
        return cls(search_below=below or 0.0)

    def without_search(self) -> PolarOptions:
        return replace(self, search_below=0.0)

    def without_finder(self) -> PolarOptions:
        return replace(self, find_dial=False)

    def with_upright_share(self, share: float) -> PolarOptions:
        """This mode with another prior share of upright clocks (0: the upright rule off)."""
        return replace(self, upright_share=share)


Points = Callable[[np.ndarray], np.ndarray]  # uint8 (N, S, S) → the point reader's (N, 7, 2) points


def read_pictures(points: Points, predict, images: np.ndarray, originals: list[np.ndarray] | None = None, *,
                  options: PolarOptions = PolarOptions(), cut_predict=None) -> tuple:
    """The stage's reading in the mode `options`: uint8 (N, S, S) at the reader's size (`originals`: the same
    pictures at their own size, when given) → (labels int (N, 2) [hour, minute], confidence (N,), the dial each
    kept reading measured, in the picture's normalized units).

    read_dials first; a reading still less sure than options.search_below is looked for in a grid of squares of the
    picture (_search), and the surest reading kept. points is the point reader's pass, predict the polar reader's,
    cut_predict the one that places the cuts if another (read_polar)."""
    read = partial(_read_once, points, predict, options.upright_share, cut_predict)
    labels, confidence, _, seen = _read_found(read, images, originals, options.find_dial)
    pictures = images if originals is None else originals
    for i in np.flatnonzero(confidence < options.search_below):
        found = _search(read, pictures[i], images.shape[1], options.find_dial)
        if found is not None and found[1] > confidence[i]:
            labels[i], confidence[i] = found[:2]
            seen = seen.put([i], found[2])
    return labels, confidence, seen


def read_dials(points: Points, predict, images: np.ndarray, originals: list[np.ndarray] | None = None, *,
               options: PolarOptions = PolarOptions(), cut_predict=None) -> tuple:
    """read_polar, then with options.find_dial a dial it measured smaller than ZOOM_BELOW cut out around the centre
    it found, at ZOOM_TO (from `originals` when given), and read again; the surer of the two readings is kept.
    → (labels (N, 2), confidence (N,), the dial first measured: (centre (N, 2), radius (N,)), normalized units)."""
    read = partial(_read_once, points, predict, options.upright_share, cut_predict)
    return _read_found(read, images, originals, options.find_dial)[:3]


def _read_once(points: Points, predict, upright_share: float, cut_predict, images: np.ndarray) -> tuple:
    return read_polar(predict, images, points(images), upright_share, cut_predict)


def _read_found(read, images: np.ndarray, originals, find_dial: bool) -> tuple:
    """read_dials with `read` (_read_once bound to its networks and prior), and the dial each kept reading saw."""
    labels, confidence, first = read(images)
    centre, radius, seen = first.centre, first.axes[:, 0], first
    pictures = images if originals is None else originals
    small = np.flatnonzero(radius < ZOOM_BELOW) if find_dial else np.zeros(0, np.int64)
    if small.size:
        size = images.shape[1]
        crops = np.stack([crop_gray(pictures[i], centre[i], radius[i] / ZOOM_TO, size) for i in small])
        zoomed, zoomed_confidence, zoomed_seen = read(crops)
        surer = zoomed_confidence >= confidence[small]
        labels[small[surer]], confidence[small[surer]] = zoomed[surer], zoomed_confidence[surer]
        kept = small[surer]
        frame = crop_frame(centre[kept], radius[kept] / ZOOM_TO, [max(pictures[i].shape[:2]) for i in kept])
        seen = seen.put(kept, zoomed_seen.take(surer).uncropped(*frame))
    return labels, confidence, (centre, radius), seen


def _search(read, picture: np.ndarray, size: int, find_dial: bool) -> tuple[np.ndarray, float, DialSeen] | None:
    """The surest reading of the dials that squares of the picture propose (_proposals), each cut out again
    from the whole picture around it at ZOOM_TO and read as read_dials reads, if at least SEARCH_SURE sure (with the
    dial it saw, in the picture's units); else None. A square seldom holds all of a small dial, so its own reading is
    not used, only where it saw one. size: the reader's input side (px)."""
    proposals = _proposals(read, picture, size)
    if not proposals:
        return None
    side = min(picture.shape[:2])
    crops = [crop_gray(picture, centre, radius / ZOOM_TO, max(size, round(radius / ZOOM_TO * side)))
             for centre, radius in proposals]
    small = np.stack([resize_gray(crop, size) for crop in crops])
    labels, confidence, _, seen = _read_found(read, small, crops, find_dial)
    best = int(np.argmax(confidence))
    if confidence[best] < SEARCH_SURE:
        return None
    frame = crop_frame(proposals[best][0][None], [proposals[best][1] / ZOOM_TO], [max(picture.shape[:2])])
    return labels[best], float(confidence[best]), seen.take([best]).uncropped(*frame)


def _proposals(read, picture: np.ndarray, size: int) -> list[tuple[np.ndarray, float]]:
    """Dials smaller than ZOOM_BELOW that SEARCH_GRID × SEARCH_GRID squares reaching SEARCH_HALF each (at the
    picture's own resolution) find: [(centre (2,), radius)] in the picture's normalized units, inside it, one
    per place (those within PROPOSAL_APART of an earlier one dropped)."""
    steps = SEARCH_STEP * (np.arange(SEARCH_GRID) - (SEARCH_GRID - 1) / 2)
    squares = np.array([(x, y) for y in steps for x in steps])  # each lies inside the picture: not moved
    side = max(size, round(SEARCH_HALF * min(picture.shape[:2])))
    crops = np.stack([resize_gray(crop_gray(picture, c, SEARCH_HALF, side), size) for c in squares])
    _, _, dials = read(crops)
    centre, radius = squares + dials.centre * SEARCH_HALF, dials.axes[:, 0] * SEARCH_HALF
    proposals: list[tuple[np.ndarray, float]] = []
    for c, r in zip(centre, radius):
        inside = np.abs(c).max() < 1.0 and PROPOSAL_RADIUS[0] < r < PROPOSAL_RADIUS[1]
        if inside and all(np.linalg.norm(c - seen) > PROPOSAL_APART for seen, _ in proposals):
            proposals.append((c, float(r)))
    return proposals
