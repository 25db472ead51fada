"""What counts as handing an exercise's work to someone else: the kit, and known third-party equivalents.

``REGISTRY`` maps a topic to the dotted names of third-party functions, classes or modules that do
that job in one call. The topics in ``DEFAULT_TOPICS`` are refused in every graded answer; the others
(for example ``"trapezoid"``: ``numpy.trapezoid`` is a fine tool, but not inside an AUC exercise) only
where a hidden test names them with ``assert_own_implementation(..., forbid=["trapezoid"])``. A
package that is not installed simply contributes nothing. Names are resolved lazily from
``sys.modules`` (never by importing a package the learner did not import), so checking costs nothing
for packages an answer does not touch.

NumPy, pandas and the standard library are "library" code here: calls they make internally are not
the learner's. C functions are matched by identity (``sys.setprofile`` reports them as ``c_call``);
NumPy ufuncs and type constructors raise no profiler event at all and cannot be refused this way.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import sysconfig
import types
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

REGISTRY: dict[str, tuple[str, ...]] = {
    "auc": (
        "sklearn.metrics.roc_auc_score",
        "sklearn.metrics.roc_curve",
        "sklearn.metrics.auc",
        "sklearn.metrics.RocCurveDisplay",
        "scipy.stats.mannwhitneyu",
        "torchmetrics.functional.auroc",
    ),
    "clipping": (
        "torch.nn.utils.clip_grad_norm_",
        "torch.nn.utils.clip_grad_norm",
        "torch.nn.utils.clip_grads_with_norm_",
        "opacus.optimizers.optimizer.DPOptimizer.clip_and_accumulate",
        "opacus.optimizers.optimizer._get_flat_grad_sample",
    ),
    "dp_noise": (
        "opacus.optimizers.optimizer._generate_noise",
        "opacus.optimizers.optimizer.DPOptimizer.add_noise",
        "diffprivlib.mechanisms",
        "opendp.measurements",
    ),
    "accounting": (
        "opacus.accountants",
        "dp_accounting.rdp",
        "dp_accounting.pld",
    ),
    "he_polynomial": (
        "tenseal.tensors.ckksvector.CKKSVector.polyval",
        "tenseal.tensors.ckksvector.CKKSVector.polyval_",
    ),
    "fedavg": (
        "flwr.server.strategy.aggregate",
    ),
    "secure_aggregation": (
        "flwr.common.secure_aggregation",
    ),
    # opt-in topics: ordinary tools that only some exercises must not use
    "trapezoid": ("numpy.trapezoid", "numpy.trapz", "scipy.integrate.trapezoid", "scipy.integrate.simpson"),
    "polyval": ("numpy.polyval", "numpy.polynomial.polynomial.polyval"),
    "scipy_sampling": ("scipy.stats.laplace", "scipy.stats.norm", "scipy.stats.geom", "scipy.stats.dlaplace"),
    "paillier": ("phe.paillier",),
    "emd": ("scipy.stats.wasserstein_distance", "scipy.stats.wasserstein_distance_nd", "ot.emd", "ot.emd2",
            "ot.wasserstein_1d", "ot.lp.emd_1d", "ot.lp.emd2_1d"),
    "binomial_interval": ("scipy.stats.binomtest", "statsmodels.stats.proportion.proportion_confint"),
    "local_dp": (
        "pure_ldp.frequency_oracles.unary_encoding",
        "pure_ldp.frequency_oracles.rappor",
        "pure_ldp.frequency_oracles.direct_encoding",
        "multi_freq_ldpy.pure_frequency_oracles.UE",
        "multi_freq_ldpy.pure_frequency_oracles.GRR",
    ),
    "distributed_dp": (
        "tensorflow_privacy.privacy.dp_query.distributed_discrete_gaussian_query",
        "tensorflow_privacy.privacy.dp_query.distributed_skellam_query",
    ),
    "robust_aggregation": (
        "scipy.stats.trim_mean",
        "scipy.stats.trimboth",
        "scipy.stats.mstats.trimmed_mean",
        "flwr.server.strategy.aggregate.aggregate_median",
        "flwr.server.strategy.aggregate.aggregate_krum",
        "flwr.server.strategy.aggregate.aggregate_trimmed_avg",
    ),
}
DEFAULT_TOPICS = ("auc", "clipping", "dp_noise", "accounting", "he_polynomial", "fedavg", "secure_aggregation")


def is_builtin(obj: Any) -> bool:
    """True for C functions and C methods (what ``sys.setprofile`` reports as ``c_call``)."""
    return isinstance(obj, types.BuiltinFunctionType)


def _package_dir(top: str) -> str | None:
    try:
        spec = importlib.util.find_spec(top) if top not in sys.modules else sys.modules[top].__spec__
    except (ImportError, ValueError, AttributeError):
        return None
    if spec is None:
        return None
    locations = list(getattr(spec, "submodule_search_locations", None) or [])
    if locations:
        return os.path.realpath(locations[0]) + os.sep
    return os.path.realpath(spec.origin) if spec.origin else None


_DIRS: dict[str, Any] = {}


def _dirs() -> dict[str, Any]:
    if not _DIRS:
        _DIRS["stdlib"] = tuple({os.path.realpath(sysconfig.get_paths()[k]) + os.sep for k in ("stdlib", "platstdlib")})
        _DIRS["library"] = tuple(d for d in (_package_dir("numpy"), _package_dir("pandas")) if d) or ("\0",)
        _DIRS["kit"] = _package_dir("ppml_lab") or "\0"
        tops = sorted({name.split(".")[0] for topic in DEFAULT_TOPICS for name in REGISTRY[topic]})
        _DIRS["installed"] = {t for t in tops if _package_dir(t)}
        _DIRS["registry"] = tuple(d for d in (_package_dir(t) for t in tops) if d) or ("\0",)
    return _DIRS


_FILE_CACHE: dict[str, tuple[bool, bool, bool]] = {}


def _file_kind(filename: str) -> tuple[bool, bool, bool]:
    kind = _FILE_CACHE.get(filename)
    if kind is None:
        dirs = _dirs()
        if filename.startswith("<frozen"):
            kind = (True, False, False)
        else:
            real = os.path.realpath(filename) if filename.startswith(os.sep) else filename
            in_site = "site-packages" in real or "dist-packages" in real
            library = real.startswith(dirs["library"]) or (real.startswith(dirs["stdlib"]) and not in_site)
            kind = (library, real.startswith(dirs["kit"]), real.startswith(dirs["registry"]))
        _FILE_CACHE[filename] = kind
    return kind


def is_library_file(filename: str) -> bool:
    """Code of NumPy, pandas or the standard library (whose internal calls are not the learner's)."""
    return _file_kind(filename)[0]


def is_kit_file(filename: str) -> bool:
    """Code of the ``ppml_lab`` package."""
    return _file_kind(filename)[1]


def in_registry_package(filename: str) -> bool:
    """Code of a package some registry entry belongs to."""
    return _file_kind(filename)[2]


def _lookup(name: str) -> Any:
    """``name`` resolved through modules already imported, or ``None`` (nothing is imported here)."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        module = sys.modules.get(".".join(parts[:cut]))
        if module is None:
            continue
        obj: Any = module
        for attr in parts[cut:]:
            obj = getattr(obj, attr, None)
            if obj is None:
                return None
        return obj
    return None


def _module_path(name: str) -> str | None:
    """Where the module ``name`` lives on disk, found without importing it."""
    parts = name.split(".")
    base = _package_dir(parts[0])
    if base is None or not base.endswith(os.sep):
        return None
    path = os.path.join(base, *parts[1:])
    if os.path.isdir(path):
        return path + os.sep
    if os.path.isfile(path + ".py"):
        return path + ".py"
    return None


@dataclass
class Targets:
    """Code objects, C functions and source files that one rule covers; ``names`` for messages."""

    codes: set[Any] = field(default_factory=set)
    builtins: set[int] = field(default_factory=set)
    files: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    _keep: list[Any] = field(default_factory=list)

    @classmethod
    def of(cls, items: Iterable[Any], *, import_names: bool = False) -> Targets:
        """Targets for functions, classes, modules, dotted names and registry topics."""
        if isinstance(items, (str, bytes)) or callable(items) or isinstance(items, types.ModuleType):
            items = [items]
        out = cls()
        for item in items:
            if isinstance(item, str) and item in REGISTRY:
                for name in REGISTRY[item]:
                    out.add_name(name, import_names=import_names)
            elif isinstance(item, str):
                out.add_name(item, import_names=import_names)
            else:
                out.add_object(item)
        return out

    def add_name(self, name: str, *, import_names: bool = False) -> None:
        path = _module_path(name)
        if path is not None:  # a whole module (or package) of the registry: matched by file
            self.files.append(os.path.realpath(path) + (os.sep if path.endswith(os.sep) else ""))
            self.names.append(name)
            return
        obj = _lookup(name)
        if obj is None and import_names:
            module, _, attr = name.rpartition(".")
            while module:
                try:
                    obj = getattr(importlib.import_module(module), attr, None) if attr else None
                    break
                except ImportError:
                    module, _, head = module.rpartition(".")
                    attr = f"{head}.{attr}"
            if obj is not None:
                obj = _lookup(name) or obj
        if obj is None:
            if _package_dir(name.split(".")[0]) is not None:
                self.pending.append(name)  # installed, not imported yet: resolved when it is
            return
        self.add_object(obj, name)

    def add_object(self, obj: Any, name: str | None = None) -> None:
        from autograder.checks import _codes_of, _qualified_name

        self._keep.append(obj)
        self.names.append(name or (obj.__name__ if isinstance(obj, types.ModuleType) else _qualified_name(obj)))
        if isinstance(obj, types.ModuleType):
            origin = getattr(obj, "__file__", None)
            if origin:
                base = os.path.realpath(origin)
                self.files.append(os.path.dirname(base) + os.sep if base.endswith("__init__.py") else base)
            return
        if is_builtin(obj):
            self.builtins.add(id(obj))
            return
        codes = _codes_of(obj)
        if not codes:
            raise TypeError(f"cannot watch {obj!r}: not a Python function, class, module or C function")
        self.codes |= codes

    def refresh(self) -> None:
        """Resolve names whose modules have been imported since."""
        if not self.pending:
            return
        waiting, self.pending = self.pending, []
        for name in waiting:
            obj = _lookup(name)
            if obj is None:
                self.pending.append(name)
            else:
                self.add_object(obj, name)

    def has_file(self, filename: str) -> bool:
        if not self.files:
            return False
        real = os.path.realpath(filename) if filename.startswith(os.sep) else filename
        return any(real == f or (f.endswith(os.sep) and real.startswith(f)) for f in self.files)


_REGISTRY_TARGETS: Targets | None = None


def default_targets() -> Targets:
    """The default topics of the registry (shared and refreshed as packages get imported)."""
    global _REGISTRY_TARGETS
    if _REGISTRY_TARGETS is None:
        _REGISTRY_TARGETS = Targets.of(list(DEFAULT_TOPICS))
    _REGISTRY_TARGETS.refresh()
    return _REGISTRY_TARGETS

# Opt-in topics of the homomorphic-encryption lesson (appended; see autograder.he_checks). A server
# holds only a public context: decrypting, reaching for the secret key, or encrypting afresh (which
# needs the plaintext result) is never the server's computation.
REGISTRY["he_secret_key"] = (
    "tenseal.tensors.ckksvector.CKKSVector.decrypt",
    "tenseal.tensors.ckkstensor.CKKSTensor.decrypt",
    "tenseal.tensors.abstract_tensor.AbstractTensor._decrypt",
    "tenseal.tensors.abstract_tensor.AbstractTensor.link_context",
    "tenseal.enc_context.Context.secret_key",
    "tenseal.enc_context.Context.decryptor",
    "tenseal.enc_context.Context.encryptor",
    "tenseal.ckks_vector",
    "tenseal.ckks_tensor",
    "phe.paillier.PaillierPrivateKey",
    "phe.paillier.PaillierPrivateKeyring",
)
# depth planning and polynomial evaluation that count the levels for the learner
REGISTRY["he_depth"] = (
    "tenseal.tensors.ckksvector.CKKSVector.polyval",
    "tenseal.tensors.ckksvector.CKKSVector.polyval_",
    "tenseal.tensors.abstract_tensor.AbstractTensor.polyval",
    "tenseal.tensors.abstract_tensor.AbstractTensor.polyval_",
    "openfhe.GetMultiplicativeDepthByCoeffVector",
    "openfhe.EvalChebyshevCoefficients",
)
# sums across slots that do the rotations for the learner (a rotate-and-sum exercise counts its own)
REGISTRY["he_slot_sum"] = (
    "tenseal.tensors.abstract_tensor.AbstractTensor.sum",
    "tenseal.tensors.abstract_tensor.AbstractTensor.sum_",
    "tenseal.tensors.ckksvector.CKKSVector.dot",
    "tenseal.tensors.ckksvector.CKKSVector.dot_",
    "tenseal.tensors.ckksvector.CKKSVector.mm",
    "tenseal.tensors.ckksvector.CKKSVector.mm_",
    "tenseal.tensors.ckksvector.CKKSVector.matmul",
    "tenseal.tensors.ckksvector.CKKSVector.matmul_",
    "tenseal.tensors.ckksvector.CKKSVector.__matmul__",
    "tenseal.tensors.ckksvector.CKKSVector.enc_matmul_plain",
    "tenseal.tensors.ckksvector.CKKSVector.enc_matmul_plain_",
    "ppml_lab.he.rotation.rotation_sum",
)
# fitting a polynomial in one call (opt-in: a least-squares exercise builds and solves its own system)
REGISTRY["polyfit"] = (
    "numpy.polyfit",
    "numpy.polynomial.polynomial.polyfit",
    "numpy.polynomial.chebyshev.chebfit",
    "numpy.polynomial.legendre.legfit",
    "numpy.polynomial.hermite.hermfit",
    "numpy.polynomial.hermite_e.hermefit",
    "numpy.polynomial.laguerre.lagfit",
    "numpy.polynomial.chebyshev.chebinterpolate",
    "numpy.polynomial.Polynomial.fit",
    "numpy.polynomial.Chebyshev.fit",
    "numpy.polynomial.Legendre.fit",
    "numpy.polynomial.Chebyshev.interpolate",
    "scipy.interpolate.approximate_taylor_polynomial",
)
