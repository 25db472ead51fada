"""``mri_scans``: synthetic brain-like MRI slices from several hospitals, each with its own scanner.

The images are not real anatomy, but they have what the federated lessons need: a visual task
(is there a lesion?) that a small CNN learns, and hospitals that differ in a measurable way
(scanner contrast, brightness, noise, bias field, blur, and lesion prevalence), i.e. feature and
label skew.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ppml_lab._checks import check_float, check_int, check_probability

IMAGE_SIZES = (32, 64)


@dataclass(frozen=True)
class ScannerProfile:
    """How one hospital's scanner renders a slice.

    The clean slice ``x`` (background 0, skull 0.85, brain tissue about 0.45, ventricles 0.15, a
    lesion adds 0.45-0.6) becomes ``(contrast * (x - 0.5) + 0.5 + brightness)`` times a linear bias
    field ``1 + bias_field_strength * (0.6 * col + 0.4 * row)`` (coordinates in [-1, 1]), blurred
    by a Gaussian of ``blur`` pixels (at 32x32; scaled with the image size), plus Gaussian noise of
    standard deviation ``noise_std``; values are clipped to [0, 1].
    """

    contrast: float
    brightness: float
    noise_std: float
    bias_field_strength: float
    blur: float

    def __post_init__(self) -> None:
        check_float("contrast", self.contrast, minimum=0.0, min_inclusive=False)
        check_float("brightness", self.brightness)
        check_float("noise_std", self.noise_std, minimum=0.0)
        check_float("bias_field_strength", self.bias_field_strength, minimum=0.0, maximum=1.0)
        check_float("blur", self.blur, minimum=0.0, maximum=5.0)


@dataclass(frozen=True)
class HospitalScans:
    """One hospital's data: ``images`` float32 (n, 1, H, W) in [0, 1], ``labels`` int64 (1 = lesion).

    ``len(hospital)`` is the number of slices.
    """

    name: str
    images: np.ndarray
    labels: np.ndarray
    profile: ScannerProfile

    def __len__(self) -> int:
        return len(self.labels)


def _gaussian_blur(images: np.ndarray, sigma: float) -> np.ndarray:
    """Blur each image of a stack ``(n, H, W)`` with a Gaussian of ``sigma`` pixels (NumPy only).

    Separable kernel truncated at 4 sigma, borders mirrored (the same result as
    ``scipy.ndimage.gaussian_filter(images, (0, sigma, sigma))``).
    """
    radius = int(4.0 * sigma + 0.5)
    if radius == 0:
        return images
    offsets = np.arange(-radius, radius + 1)
    weights = np.exp(-0.5 * (offsets / sigma) ** 2)
    weights /= weights.sum()
    out = images
    for axis in (1, 2):
        pad = [(0, 0), (0, 0), (0, 0)]
        pad[axis] = (radius, radius)
        padded = np.pad(out, pad, mode="symmetric")
        size = out.shape[axis]
        out = sum(w * np.take(padded, np.arange(k, k + size), axis=axis) for k, w in enumerate(weights))
    return out


def _random_profile(rng: np.random.Generator) -> ScannerProfile:
    return ScannerProfile(
        contrast=float(rng.uniform(0.7, 1.3)),
        brightness=float(rng.uniform(-0.12, 0.12)),
        noise_std=float(rng.uniform(0.02, 0.10)),
        bias_field_strength=float(rng.uniform(0.0, 0.35)),
        blur=float(rng.uniform(0.0, 0.8)),
    )


def render_slices(
    labels: np.ndarray, image_size: int, profile: ScannerProfile, rng: np.random.Generator
) -> np.ndarray:
    """Draw one brain-like slice per label (lesion where the label is 1), as the scanner renders it."""
    n = len(labels)
    s = image_size
    scale = s / 32.0
    ys, xs = np.mgrid[0:s, 0:s].astype(np.float64)
    ys = (ys - (s - 1) / 2) / (s / 2)
    xs = (xs - (s - 1) / 2) / (s / 2)
    cy = rng.normal(0, 0.03, (n, 1, 1))
    cx = rng.normal(0, 0.03, (n, 1, 1))
    ay = rng.uniform(0.74, 0.82, (n, 1, 1))
    ax = rng.uniform(0.60, 0.68, (n, 1, 1))
    r = np.sqrt(((ys - cy) / ay) ** 2 + ((xs - cx) / ax) ** 2)
    img = np.zeros((n, s, s))
    img += np.where((r >= 1.0) & (r < 1.12), 0.85, 0.0)  # skull
    # brain tissue with a smooth random texture (gyri-like folds)
    texture = np.zeros((n, s, s))
    for _ in range(3):
        fy, fx = rng.uniform(3, 7, (2, n, 1, 1))
        phase = rng.uniform(0, 2 * np.pi, (n, 1, 1))
        texture += np.sin(fy * ys * np.pi + fx * xs * np.pi + phase)
    img += np.where(r < 1.0, 0.45 + 0.03 * texture, 0.0)
    # two ventricles
    for side in (-1, 1):
        rv = np.sqrt(((ys - cy + 0.05) / 0.22) ** 2 + ((xs - cx - side * 0.13) / 0.07) ** 2)
        img = np.where(rv < 1.0, 0.15, img)
    # lesion: a bright blob somewhere inside the brain, away from the ventricles
    lesion = labels.astype(bool)
    if lesion.any():
        k = int(lesion.sum())
        angle = rng.uniform(0, 2 * np.pi, k)
        radius = rng.uniform(0.35, 0.7, k)
        ly = cy[lesion, 0, 0] + radius * ay[lesion, 0, 0] * np.sin(angle)
        lx = cx[lesion, 0, 0] + radius * ax[lesion, 0, 0] * np.cos(angle)
        width = rng.uniform(2.0, 3.5, k)[:, None, None] * (2.0 / s)  # in normalised units, ~2-3.5 px at 32
        amp = rng.uniform(0.45, 0.6, k)[:, None, None]
        blob = amp * np.exp(
            -(((ys - ly[:, None, None]) ** 2 + (xs - lx[:, None, None]) ** 2) / (2 * width**2))
        )
        img[lesion] += blob
    # scanner
    img = profile.contrast * (img - 0.5) + 0.5 + profile.brightness
    img *= 1.0 + profile.bias_field_strength * (0.6 * xs + 0.4 * ys)
    if profile.blur > 0:
        img = _gaussian_blur(img, profile.blur * scale)
    img += rng.normal(0.0, profile.noise_std, img.shape)
    return np.clip(img, 0.0, 1.0).astype(np.float32)[:, None, :, :]


def mri_scans(
    n_hospitals: int = 3,
    n_per_hospital: int = 200,
    image_size: int = 32,
    seed: int = 0,
    *,
    lesion_rates: list[float] | None = None,
    profiles: list[ScannerProfile] | None = None,
) -> list[HospitalScans]:
    """Labelled slices for ``n_hospitals`` hospitals named ``hospital_0``, ``hospital_1``, ...

    Generative story: each hospital gets a scanner profile (drawn from the seed unless ``profiles``
    is given: contrast 0.7-1.3, brightness -0.12-0.12, noise sd 0.02-0.10, bias field 0-0.35, blur
    0-0.8 px) and a lesion prevalence (``lesion_rates``; by default evenly spread from 0.2 to 0.7,
    0.5 for a single hospital). Each slice is an ellipse of brain tissue with a smooth folded
    texture, a skull ring and two dark ventricles, randomly placed and sized; a lesion slice (label
    1) adds a bright Gaussian blob of 2-3.5 pixels (at 32x32) at a random place inside the brain,
    away from the ventricles. The scanner then changes contrast and brightness, multiplies by a
    linear bias field, blurs and adds Gaussian noise; values are clipped to [0, 1]. Each hospital
    has exactly ``round(rate * n_per_hospital)`` lesions, in shuffled order. Hospitals therefore
    differ in intensity, noise and label ratio (feature and label skew, i.e. non-IID).

    Schema: a list of :class:`HospitalScans`, each with ``images`` float32 of shape
    ``(n_per_hospital, 1, image_size, image_size)`` (``image_size`` 32 or 64), ``labels`` int64 of
    shape ``(n_per_hospital,)`` and its :class:`ScannerProfile`. A few hundred 32x32 slices take
    well under a second.
    """
    n_hospitals = check_int("n_hospitals", n_hospitals, minimum=1, maximum=1000)
    n_per = check_int("n_per_hospital", n_per_hospital, minimum=1)
    image_size = check_int("image_size", image_size)
    if image_size not in IMAGE_SIZES:
        raise ValueError(f"image_size must be one of {IMAGE_SIZES}, got {image_size}")
    check_int("seed", seed, minimum=0)
    if lesion_rates is None:
        lesion_rates = list(np.linspace(0.2, 0.7, n_hospitals)) if n_hospitals > 1 else [0.5]
    if len(lesion_rates) != n_hospitals:
        raise ValueError(f"lesion_rates must have n_hospitals={n_hospitals} entries, got {len(lesion_rates)}")
    rates = [check_probability("lesion_rates", r) for r in lesion_rates]
    if profiles is not None:
        if len(profiles) != n_hospitals:
            raise ValueError(f"profiles must have n_hospitals={n_hospitals} entries, got {len(profiles)}")
        if not all(isinstance(p, ScannerProfile) for p in profiles):
            raise TypeError("profiles must be ScannerProfile instances")
    rng = np.random.default_rng(seed)
    drawn = [_random_profile(rng) for _ in range(n_hospitals)]
    hospitals = []
    for h in range(n_hospitals):
        profile = profiles[h] if profiles is not None else drawn[h]
        n_lesion = int(round(rates[h] * n_per))
        labels = rng.permutation(np.r_[np.ones(n_lesion, np.int64), np.zeros(n_per - n_lesion, np.int64)])
        images = render_slices(labels, image_size, profile, rng)
        hospitals.append(HospitalScans(f"hospital_{h}", images, labels, profile))
    return hospitals


def mri_centralized(hospitals: list[HospitalScans]) -> tuple[np.ndarray, np.ndarray]:
    """All hospitals' images and labels in one pair of arrays (the centralized baseline).

    Returns ``(images, labels)``: float32 ``(sum n, 1, H, W)`` and int64 ``(sum n,)``, in hospital order.
    """
    if not hospitals:
        raise ValueError("hospitals must not be empty")
    return np.concatenate([h.images for h in hospitals]), np.concatenate([h.labels for h in hospitals])
