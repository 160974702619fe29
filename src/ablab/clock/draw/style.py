"""ClockStyle: every random choice behind one clock image, as plain frozen dataclasses.

A style is sampled once (`ablab.clock.draw.presets.sample_style`) and rendering is then a pure function of
(hour, minute, style, size): same style, same bytes. Lengths are fractions so a style renders at any size:
`*_frac_r` are fractions of the face radius, `*_frac` (no suffix) fractions of the image side.
Grays are 0 (black) to 255 (white). Angles are degrees, clockwise from 12 o'clock / from image-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class FaceDesign:
    """The dial's outline, placement and tones.

    The outline is a superellipse |x/a|^p + |y/b|^p = 1 with a = aspect_x (horizontal half-axis, in radii) and b = 1:
    p=2, aspect 1 is a circle; p=2, aspect<1 an ellipse; p≈4..8 a rounded square.
    """

    radius_frac: float = 0.44  # vertical half-axis / image side
    aspect_x: float = 1.0
    exponent: float = 2.0
    center_dx_frac: float = 0.0  # offset of the clock centre from the image centre, before rotation
    center_dy_frac: float = 0.0
    face_gray: int = 236
    background_gray: int = 150
    border_width_frac_r: float = 0.05  # 0 = no border
    border_gray: int = 40
    inner_ring: bool = False  # a thin second ring just inside the border
    rim_shade_frac_r: float = 0.0  # a deep rim's shadow on the face, this wide inside the border (0 = flat)
    sides: int = 0  # > 0: a regular polygon of this many sides, a flat side at 12, its apothem 1 radius
    pattern: str = "flat"  # the face's ground (face_art): "flat" | "gradient" | held out: "sunburst" | "gears"
    pattern_gray: int = 128  # the pattern's second tone (gradient's far end, the sunburst's or gears' ink)


@dataclass(frozen=True)
class TickDesign:
    """Hour and minute tick marks, drawn inward from just inside the border."""

    kind: str = "hours_minutes"  # "none" | "hours" | "hours_minutes"
    shape: str = "bar"  # hour ticks: "bar" | "dot" | the `unseen-ticks` family's (families.py): "wedge" | "ring"
    inset_frac_r: float = 0.06  # gap between the face edge and the ticks' outer end
    hour_length_frac_r: float = 0.13
    hour_width_frac_r: float = 0.04
    minute_length_frac_r: float = 0.05
    minute_width_frac_r: float = 0.012
    quarter_scale: float = 1.0  # hour ticks at 12/3/6/9 are this much longer and wider
    gray: int = 30


@dataclass(frozen=True)
class NumeralDesign:
    """Hour numerals: their system, which of them, font, size and orientation."""

    kind: str = "arabic"  # "none" | "arabic" | "roman"
    subset: str = "all"  # "all" | "quarters" (12, 3, 6, 9) | "twelve"
    font: str = "liberation-sans-bold"
    height_frac_r: float = 0.2  # cap height of a numeral / face radius
    radius_frac_r: float = 0.7  # distance of a numeral's centre from the clock centre
    radial: bool = False  # rotated so the numeral's top points outward (else upright)
    four_as_iiii: bool = False  # Roman 4 written IIII, as on many real clocks
    gray: int = 30


@dataclass(frozen=True)
class MarkerDesign:
    """Cues for 12 o'clock and for mirror images: a mark at 12 and an optional brand text below it."""

    twelve: str = "none"  # "none" | "triangle" | "dot" | "double_bar"
    size_frac_r: float = 0.09
    brand: str = ""  # "" = none; asymmetric text, so a mirror image shows as reversed writing
    brand_font: str = "liberation-sans"
    gray: int = 30
    caption: str = ""  # writing above 6 o'clock (a maker's line, "QUARTZ"), as desktop and shop clocks carry
    logo: str = ""  # "" | "circle" | "diamond" | "crest": a small emblem halfway between the centre and 12


@dataclass(frozen=True)
class HandDesign:
    """Hour, minute and (optional, at a random angle: a distractor) second hands.

    Lengths run from the centre to the tip; tails (counterweights) extend behind the centre.
    """

    shape: str = "tapered"  # "line" | "tapered" | "lance" | "arrow" | the `unseen-hands` family's: "leaf" | "skeleton"
    hour_length_frac_r: float = 0.52
    hour_width_frac_r: float = 0.09
    minute_length_frac_r: float = 0.82
    minute_width_frac_r: float = 0.06
    tail_frac_r: float = 0.12
    hub_radius_frac_r: float = 0.06
    gray: int = 20
    second: bool = False
    second_angle_deg: float = 0.0
    second_length_frac_r: float = 0.85
    second_width_frac_r: float = 0.015
    second_gray: int = 90
    second_shape: str = "line"  # "line" | held out of training: "lollipop" (a disc near the tip, railway style)
    # a shadow under the hands, offset (dx, dy) in radii of the upright dial; None = no shadow
    shadow_gray: int | None = None
    shadow_dx_frac_r: float = 0.0
    shadow_dy_frac_r: float = 0.0
    inside_gray: int = 255  # "skeleton" hands: the gray inside their outline


@dataclass(frozen=True)
class Clutter:
    """Shapes behind the clock (on the wall or table): kind, box in image-side fractions around the centre, gray,
    outline width (fraction of the side; 0 = filled)."""

    shapes: tuple[tuple[str, float, float, float, float, int, float], ...] = ()


@dataclass(frozen=True)
class Backdrop:
    """What lies around the clock in the picture, in place of the plain wall gray (ablab.clock.draw.backdrop):
    "plain" (the wall and its clutter) or a floor photographed with the clock: "wood" boards, "carpet", "tiles",
    "woven" (a mat of fine ridges in strips).

    The texture is seeded by `seed`; `scale_frac` is its period (a board's width, a tile's side) as a fraction of
    the picture's side, `angle_deg` the turn of its pattern, `gray` its mean and `contrast` its spread (gray levels).
    """

    kind: str = "plain"
    seed: int = 0
    scale_frac: float = 0.2
    angle_deg: float = 0.0
    gray: int = 128
    contrast: float = 30.0


@dataclass(frozen=True)
class Case:
    """The clock's case in three dimensions (ablab.clock.draw.case): a cylinder whose front rim stands
    depth_frac_r radii above the face and whose back lies back_frac_r radii below it, on the floor.

    Seen at a tilt, the rim's top is displaced from the face along the tilt, so the inner wall of the rim shows
    on one side of the face and the outer wall of the case on the other; lift_sign (+1 or −1) says which side the
    camera stands on. depth_frac_r = 0 means a flat clock (no case drawn): every preset but `photo-floor`.
    Glare spots lie on the glass (x, y, σ in radii of the dial, peak in gray levels; added, so a peak above the
    face's headroom saturates to white). The clock's own shadow falls on the floor shadow_frac_r radii off.
    """

    depth_frac_r: float = 0.0
    back_frac_r: float = 0.0
    lift_sign: float = 1.0
    wall_gray: int = 60
    rim_light_deg: float = 0.0  # image direction the light comes from (degrees clockwise from image-right)
    rim_shine: float = 0.0  # gray levels the rim's lit side is lighter (and its far side darker)
    shadow_gray: float = 0.0  # how much darker the floor is under the clock's shadow (0 = none)
    shadow_dx_frac_r: float = 0.0
    shadow_dy_frac_r: float = 0.0
    glare: tuple[tuple[float, float, float, float], ...] = ()


@dataclass(frozen=True)
class Camera:
    """Where the clock is seen from. Applied to the whole picture in this order: mirror about the clock's 12-6 axis,
    rotate, tilt (foreshorten), zoom, shift.

    rotation_deg: clockwise angle from image-up to the clock's 12 o'clock direction (0 = upright).
    tilt_deg: angle between the line of sight and the dial's normal; a distant camera (weak perspective) sees the
    picture shrunk by cos(tilt_deg) across tilt_axis_deg (an image direction, degrees clockwise from image-right).
    """

    rotation_deg: float = 0.0
    mirrored: bool = False
    # presets keep tilt within geometry.MAX_TILT_DEG, except on a floor (backdrop): up to FLOOR_MAX_TILT_DEG there,
    # since the floor, not the canvas, fills the picture outside the dial
    tilt_deg: float = 0.0
    tilt_axis_deg: float = 0.0
    zoom: float = 1.0  # >1 magnifies; presets keep it within geometry.MIN_ZOOM..1.1 (on a wall)
    shift_x_frac: float = 0.0  # picture translation, fraction of the side (|shift| <= geometry.MAX_SHIFT)
    shift_y_frac: float = 0.0


@dataclass(frozen=True)
class Photo:
    """Lighting and sensor effects applied to the rendered image, in this order: blur, lighting, noise, JPEG.

    Blur: Gaussian-like, standard deviation blur_sigma_px (repeated 3-tap binomial passes).

    Lighting: out = (in − 128)·contrast + 128 + brightness + gradient_x·x + gradient_y·y, x and y in [-0.5, 0.5].
    Noise: gray levels of standard deviation noise_sigma, read from a fixed noise bank at (noise_dx, noise_dy).
    """

    blur_sigma_px: float = 0.0
    contrast: float = 1.0
    brightness: float = 0.0
    gradient_x: float = 0.0
    gradient_y: float = 0.0
    noise_sigma: float = 0.0
    noise_dx: int = 0
    noise_dy: int = 0
    noise_transposed: bool = False
    jpeg_quality: int = 0  # 0 = no JPEG round trip
    # glare on the glass: soft bright spots (x, y, σ_x, σ_y as fractions of the side from its centre, turn in
    # degrees, peak in gray levels), added after the lighting
    glare: tuple[tuple[float, float, float, float, float, float], ...] = ()
    stretch: bool = False  # a contrast stretch after the noise: 0.5th–99.5th percentile to 0–255, as photo software


@dataclass(frozen=True)
class ClockStyle:
    """Everything about one clock picture except the time it shows."""

    face: FaceDesign = field(default_factory=FaceDesign)
    ticks: TickDesign = field(default_factory=TickDesign)
    numerals: NumeralDesign = field(default_factory=NumeralDesign)
    marker: MarkerDesign = field(default_factory=MarkerDesign)
    hands: HandDesign = field(default_factory=HandDesign)
    clutter: Clutter = field(default_factory=Clutter)
    camera: Camera = field(default_factory=Camera)
    photo: Photo = field(default_factory=Photo)
    backdrop: Backdrop = field(default_factory=Backdrop)
    case: Case = field(default_factory=Case)

    @property
    def rotation_deg(self) -> float:
        return self.camera.rotation_deg

    @property
    def mirrored(self) -> bool:
        return self.camera.mirrored

    def clean(self) -> ClockStyle:
        """The same clock, upright, unmirrored, untilted, on a plain wall, flat (no case), without blur, lighting,
        noise or JPEG."""
        return replace(self, camera=Camera(), photo=Photo(), backdrop=Backdrop(), case=Case())


def has_mirror_cue(style: ClockStyle) -> bool:
    """Whether a person can tell a mirror image of this dial from a real clock (and so still read it).

    A symmetric dial (ticks, a mark at 12, only "12") mirrored is indistinguishable from a real clock showing
    12:00 minus the time; numerals at 3 and 9 (or all round) show the mirror: reversed digits, III on the left.
    Brand writing would too, but at 150 px it is a few blurred pixels high, so it does not count.
    """
    return style.numerals.kind != "none" and style.numerals.subset in ("all", "quarters")
