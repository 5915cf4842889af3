"""The Python module ntk_explorer against the command line, the reference cases and its promises.

Run by ctest (python.module) with PYTHONPATH at the built module, NTK_EXPLORER the program and
NTK_REFERENCE_DIR the reference cases (tests/data/reference, a copy of ../shared/reference).
"""

import json
import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import ntk_explorer as nx

PROGRAM = os.environ["NTK_EXPLORER"]
REFERENCE = Path(os.environ["NTK_REFERENCE_DIR"])
CASES = ["small", "small-causal", "medium"]
MAPS = {  # reference tag: the feature map's keywords
    "taylor2": dict(feature="taylor", degree=2),
    "taylor4": dict(feature="taylor", degree=4),
    "elu": dict(feature="elu"),
    "favor": dict(feature="favor"),
}
ARRAYS = ["Q", "K", "V", "KP", "VP"]


def case(name):
    folder = REFERENCE / name
    arrays = {a: np.load(folder / f"{a}.npy") for a in ARRAYS + ["omega"]}
    return folder, arrays, json.loads((folder / "case.json").read_text())


def run(*args):
    return subprocess.run([PROGRAM, *map(str, args)], capture_output=True, text=True, check=False)


def assert_close(actual, expected, rel):
    scale = max(np.abs(expected).max(), 1e-300)
    assert actual.shape == expected.shape
    assert np.abs(actual - expected).max() <= rel * scale


# ---- the same numbers as the command line and the reference ----------------------------------


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("tag", MAPS)
def test_reference_cases_match_the_program_and_the_reference(name, tag, tmp_path):
    folder, a, meta = case(name)
    extra = dict(MAPS[tag], causal=meta["causal"])
    cli_extra = [f"--feature", extra["feature"]] + (["--degree", extra["degree"]] if "degree" in extra else [])
    if tag == "favor":
        cli_extra += ["--omega", folder / "omega.npy"]
    cli_extra += ["--causal"] if meta["causal"] else []
    done = run("compare", "--inputs", folder, *cli_extra, "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    got = nx.compare(*(a[x] for x in ARRAYS), omega=a["omega"] if tag == "favor" else None, **extra)
    for array in ["exact", "approx", "Z", "k", "row_error", "prefix_mass"]:
        assert_close(got[array], np.load(tmp_path / "out" / f"{array}.npy"), 1e-12)
    assert_close(got["exact"], np.load(folder / "exact.npy"), 1e-10)
    assert_close(got["approx"], np.load(folder / f"approx_{tag}.npy"), 1e-10)
    assert_close(got["Z"], np.load(folder / f"Z_{tag}.npy"), 1e-10)
    assert_close(got["k"], np.load(folder / f"k_{tag}.npy"), 1e-10)
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    for field in ["r", "max_abs_error", "rel_fro_error", "mse", "status", "inputs", "feature"]:
        assert got[field] == pytest.approx(metrics[field], rel=1e-12, abs=0) if isinstance(metrics[field], float) \
            else got[field] == metrics[field]


@pytest.mark.parametrize("tag", MAPS)
def test_the_building_blocks_reproduce_the_reference(tag):
    folder, a, meta = case("medium")
    fm = dict(MAPS[tag], omega=a["omega"] if tag == "favor" else None)
    exact = nx.exact_attention(a["Q"], a["K"], a["V"], a["KP"], a["VP"], causal=meta["causal"])
    assert_close(exact, np.load(folder / "exact.npy"), 1e-10)
    Z, k = nx.compress_prefix(a["KP"], a["VP"], **fm)
    assert_close(Z, np.load(folder / f"Z_{tag}.npy"), 1e-10)
    assert_close(k, np.load(folder / f"k_{tag}.npy"), 1e-10)
    approx = nx.ntk_attention(a["Q"], a["K"], a["V"], Z, k, causal=meta["causal"], **fm)
    assert_close(approx, np.load(folder / f"approx_{tag}.npy"), 1e-10)
    phi = nx.feature_map(a["KP"], **fm)
    assert phi.shape == (a["KP"].shape[0], Z.shape[0])
    assert_close(phi.T @ a["VP"], Z, 1e-12)


@pytest.mark.parametrize("precision", ["float64", "float32"])
def test_a_generated_comparison_matches_compare_json(precision):
    params = dict(L=32, d=8, m=1000, scale=0.7, seed=5, feature="taylor", degree=3, precision=precision)
    done = run("compare", "--json", *[f"--{k}={v}" for k, v in params.items()])
    assert done.returncode == 0, done.stderr
    cli = json.loads(done.stdout)
    got = nx.compare(**params)
    skip = {"provenance", "exact_seconds", "compress_seconds", "approx_seconds", "timing_runs"}
    for key, value in cli.items():
        if key in skip:
            continue
        if isinstance(value, float):
            assert got[key] == pytest.approx(value, rel=1e-12, abs=1e-300, nan_ok=True), key
        else:
            assert got[key] == value, key
    assert set(cli) <= set(got)
    assert got["provenance"]["command_line"][1] == "ntk_explorer.compare"
    assert got["precision"] == precision
    gap = got["float32_vs_float64_exact_max_abs"]
    assert (gap is None) if precision == "float64" else (0 < gap < 1e-5)


def test_decoding_and_another_value_width_from_arrays_and_generated(tmp_path):
    # Issue 26: one query over the input and the prefix (decoding), values wider than the keys.
    params = dict(L=24, d=4, dv=7, queries=1, m=3000, causal=True)
    generated = nx.compare(**params)
    w = nx.generate(**{k: v for k, v in params.items() if k != "causal"})
    assert w["Q"].shape == (1, 4) and w["V"].shape == (24, 7) and w["VP"].shape == (3000, 7)
    given = nx.compare(*(w[x] for x in ARRAYS), causal=True)
    assert given["queries"] == 1 and given["dv"] == 7 and given["L"] == 24
    assert given["max_abs_error"] == pytest.approx(generated["max_abs_error"], rel=1e-12)
    with pytest.raises(ValueError, match="queries describes a generated workload"):
        nx.compare(*(w[x] for x in ARRAYS), queries=1)
    with pytest.raises(ValueError, match="n <= L|at most L"):
        nx.compare(w["K"][:5], w["K"][:3], w["V"][:3], w["KP"], w["VP"], causal=True)


def test_generate_and_the_limit_match_the_program(tmp_path):
    params = dict(mode="projection", L=16, d=4, m=300, seed=3, scale=0.5)
    done = run("generate", *[f"--{k}={v}" for k, v in params.items()], "--out", tmp_path)
    assert done.returncode == 0, done.stderr
    w = nx.generate(**params)
    assert sorted(w) == sorted(["Q", "K", "V", "KP", "VP", "X", "P", "WQ", "WK", "WV"])
    for name, array in w.items():
        np.testing.assert_array_equal(array, np.load(tmp_path / f"{name}.npy"))
    limit = nx.infinite_limit(**params)
    assert limit.shape == (16, 4)
    assert np.abs(limit).max() > 0
    assert np.abs(nx.infinite_limit(L=16, d=4)).max() == 0  # direct mode: the limit is 0


def test_a_planted_match_is_the_program_s(tmp_path):
    params = dict(L=8, d=4, m=40, seed=2, match=3)
    done = run("generate", *[f"--{k}={v}" for k, v in params.items()], "--out", tmp_path)
    assert done.returncode == 0, done.stderr
    w = nx.generate(**params)
    for name, array in w.items():
        np.testing.assert_array_equal(array, np.load(tmp_path / f"{name}.npy"))
    planted = [(2 * i + 1) * 40 // 16 for i in range(8)]  # spread evenly over the prefix
    own = (w["Q"] * w["KP"][planted]).sum(axis=1) / np.sqrt(4)
    assert own.mean() == pytest.approx(3, rel=1e-12)  # s on average
    with pytest.raises(ValueError, match="--mode direct"):
        nx.compare(mode="projection", match=3)


def test_a_sweep_gives_the_program_s_rows(tmp_path):
    vary = ["m=16..256:log2", "feature=taylor,elu"]
    done = run("sweep", "--L=8", "--d=4", "--vary", vary[0], "--vary", vary[1], "--out", tmp_path / "s.csv")
    assert done.returncode == 0, done.stderr
    rows = nx.sweep(vary, L=8, d=4)
    lines = (tmp_path / "s.csv").read_text().splitlines()
    header = lines[0].split(",")
    assert list(rows) == header
    assert len(rows["point"]) == len(lines) - 1 == 10
    for i, line in enumerate(lines[1:]):
        for key, text in zip(header, line.split(",")):
            if key.endswith("_seconds"):
                continue
            value = rows[key][i]
            if isinstance(value, str):
                assert value == text, key
            else:
                assert value == pytest.approx(float(text), rel=1e-6, nan_ok=True), key


def test_the_ntk_view_matches_the_program(tmp_path):
    params = dict(n=8, d=2, m=128, sigma=1.0, seed=2)
    done = run("ntk", *[f"--{k}={v}" for k, v in params.items()], "--out", tmp_path)
    assert done.returncode == 0, done.stderr
    k = nx.ntk_kernel(**params)
    np.testing.assert_allclose(k["empirical"], np.load(tmp_path / "H_empirical.npy"), rtol=0, atol=1e-12)
    np.testing.assert_allclose(k["limit"], np.load(tmp_path / "H_limit.npy"), rtol=0, atol=1e-12)
    assert k["limit_spectrum"]["complete"] and k["limit_spectrum"]["status"] == "ok"
    csv = np.loadtxt(tmp_path / "eigenvalues.csv", delimiter=",", skiprows=1)
    np.testing.assert_allclose(k["limit_spectrum"]["eigenvalues"], csv[:, 1], rtol=1e-9)
    series = nx.ntk_concentration(**params)
    assert series["m"][0] == 16 and len(series["distance"]) == len(series["m"])
    assert series["distance"][-1] < series["distance"][0]


def test_training_matches_the_program(tmp_path):
    params = dict(n=8, d=2, m=64, steps=20, seed=4)
    done = run("train", "--target", "prefix", *[f"--{k}={v}" for k, v in params.items()], "--out", tmp_path)
    assert done.returncode == 0, done.stderr
    got = nx.train_prefix(**params)
    cli = np.genfromtxt(tmp_path / "loss.csv", delimiter=",", names=True)
    np.testing.assert_allclose(got["loss"], cli["loss"], rtol=1e-9)
    assert got["status"] == "ok" and got["loss"][-1] < got["loss"][0]
    np.testing.assert_allclose(got["W"], np.load(tmp_path / "W.npy"), rtol=0, atol=1e-12)


# ---- arrays in and out ---------------------------------------------------------------------


def test_any_layout_and_dtype_gives_the_same_result():
    _, a, _ = case("small")
    base = nx.exact_attention(*(a[x] for x in ARRAYS))
    fortran = nx.exact_attention(*(np.asfortranarray(a[x]) for x in ARRAYS))
    strided = nx.exact_attention(*(np.repeat(a[x], 2, axis=1)[:, ::2] for x in ARRAYS))
    listed = nx.exact_attention(*(a[x].tolist() for x in ARRAYS))
    np.testing.assert_array_equal(base, fortran)
    np.testing.assert_array_equal(base, strided)
    np.testing.assert_array_equal(base, listed)
    single = nx.exact_attention(*(a[x].astype(np.float32) for x in ARRAYS))
    assert single.dtype == np.float64
    assert np.abs(single - base).max() < 1e-5
    assert base.dtype == np.float64 and base.flags["F_CONTIGUOUS"]


def test_results_do_not_depend_on_the_thread_count():
    before = nx.threads()
    try:
        nx.set_threads(1)
        one = nx.compare(L=32, d=8, m=5000)
        nx.set_threads(2)
        two = nx.compare(L=32, d=8, m=5000)
    finally:
        nx.set_threads(before)
    for array in ["exact", "approx", "Z", "k"]:
        np.testing.assert_array_equal(one[array], two[array])


# ---- errors ---------------------------------------------------------------------------------


def test_errors_name_the_argument():
    _, a, _ = case("small")
    Q, K, V, KP, VP = (a[x] for x in ARRAYS)
    with pytest.raises(ValueError, match=r"V L x d_v; got .* \(Q \(\d+, 4\), K \(3, 4\)"):
        nx.exact_attention(Q, K[:3], V, KP, VP)
    with pytest.raises(ValueError, match="the prefix keys have width 2 but Q has d = 4"):
        nx.exact_attention(Q, K, V, KP[:, :2], VP)
    with pytest.raises(ValueError, match="Q must be a 2-D array"):
        nx.exact_attention(Q[0], K, V, KP, VP)
    with pytest.raises(TypeError, match="Q must be an array of numbers"):
        nx.exact_attention("Q", K, V, KP, VP)
    with pytest.raises(TypeError, match="unexpected keyword argument 'Lx'"):
        nx.compare(Lx=3)
    with pytest.raises(ValueError, match="^L must be an integer from 1"):
        nx.compare(L=0)
    with pytest.raises(ValueError, match="^feature must be one of"):
        nx.compare(feature="cosine")
    with pytest.raises(ValueError, match="^degree must be an integer from 0 to 12"):
        nx.feature_map(Q, degree=13)
    with pytest.raises(ValueError, match="all of Q, K, V, KP and VP"):
        nx.compare(Q, K, V)
    with pytest.raises(ValueError, match="cannot be combined with arrays"):
        nx.compare(Q, K, V, KP, VP, m=5)
    with pytest.raises(ValueError, match="omega gives FAVOR"):
        nx.compress_prefix(KP, VP, omega=a["omega"])
    with pytest.raises(ValueError, match="omega holds no FAVOR\\+ directions"):  # not 256 random ones
        nx.compress_prefix(KP, VP, feature="favor", omega=np.zeros((0, KP.shape[1])))
    with pytest.raises(ValueError, match="Z .* and k .* must be r x d"):
        nx.ntk_attention(Q, K, V, np.zeros((3, 4)), np.zeros(3))
    with pytest.raises(ValueError, match="memory budget|over memory_budget_mb"):
        nx.generate(m=10**9, d=64, memory_budget_mb=100)
    with pytest.raises(ValueError, match="at least one axis"):
        nx.sweep([])
    with pytest.raises(ValueError):
        nx.sweep(["m=1..2..3"])
    with pytest.raises(ValueError, match="threads must be from 1"):
        nx.set_threads(0)


def test_every_parameter_of_the_table_is_a_keyword_with_its_range_and_default():
    """Python's face of the parameter table (parameters() is the table itself)."""
    table = nx.parameters()
    listed = nx.__doc__.split("(see parameters()):")[1].split(".")[0]
    comparison, ntk = listed.split("; for the NTK view")
    assert [k.strip() for k in comparison.split(",")] == list(table["comparison"])
    assert [k.strip() for k in ntk.split(",")] == list(table["ntk"])
    calls = {"comparison": nx.generate, "ntk": nx.ntk_kernel}
    for face, entries in table.items():
        for key, e in entries.items():
            # A value out of range (or not a choice) reaches the table's check, named as the keyword.
            bad = e["max"] + 1 if "max" in e else "banana"
            with pytest.raises((ValueError, TypeError), match=f"^{key} must be"):
                calls[face](**{key: bad})
    # The feature map's keyword defaults, in every function that takes them, are the table's.
    defaults = {k: table["comparison"][k]["default"] for k in ["feature", "degree", "features", "orthogonal", "seed"]}
    for function in [nx.feature_map, nx.compress_prefix, nx.ntk_attention]:
        signature = dict(re.findall(r"(\w+): \w+ = ([^,)]+)", function.__doc__.splitlines()[0]))
        for key, value in defaults.items():
            assert signature[key].strip("'") == {"true": "True", "false": "False"}.get(value, value), key


def test_a_non_positive_denominator_warns_and_gives_nan_rows():
    # g = 1 with t << 0: 1 + t < 0 on every prefix key, so D goes negative (as the core's test).
    Q, K, V = np.full((2, 1), 4.0), np.full((2, 1), -4.0), np.ones((2, 1))
    Z, k = nx.compress_prefix(np.full((100, 1), -3.0), np.ones((100, 1)), degree=1)
    with pytest.warns(RuntimeWarning, match="non-positive denominator in 2 rows"):
        T = nx.ntk_attention(Q, K, V, Z, k, degree=1)
    assert np.isnan(T).all()


# ---- resources: leaks, the GIL, Ctrl-C ------------------------------------------------------


def resident_mb():
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def test_repeated_calls_do_not_leak():
    def calls():
        w = nx.generate(L=256, d=16, m=50000)  # KP and VP: 6.4 MB each
        arrays = [w[x] for x in ARRAYS]
        nx.exact_attention(*arrays)
        nx.compress_prefix(w["KP"], w["VP"])
        nx.feature_map(w["KP"], degree=1)  # 6.8 MB
        nx.compare(*arrays)
        nx.compare(L=16, d=4, m=2000)

    for _ in range(5):
        calls()
    before = resident_mb()
    for _ in range(30):
        calls()
    # Each round returns over 20 MB of arrays: 30 rounds that leaked them would hold 600 MB.
    assert resident_mb() - before < 50


def test_the_gil_is_released_during_a_computation():
    done = threading.Event()
    ticks = 0

    def work():
        nx.compare(L=128, d=32, m=2**19)
        done.set()

    worker = threading.Thread(target=work)
    worker.start()
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    worker.join()
    assert ticks > 10  # the main thread ran while the core computed


def interrupt_after(seconds):
    timer = threading.Timer(seconds, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    return timer


@pytest.mark.parametrize("call", ["compare", "exact_attention", "train_prefix"])
def test_ctrl_c_interrupts_a_long_call(call):
    # Each call is far more work than the bound below on any machine (compare: 70 TFLOP, hours;
    # exact_attention: 4.4 TFLOP, minutes, its arrays in memory; train_prefix: 10^6 steps), so
    # one that ignored Ctrl-C could not end inside it. The bound is no timing target: the module
    # checks for signals every 50 ms; it allows for a loaded machine and sanitizer builds.
    if call == "compare":
        work = lambda: nx.compare(L=256, d=64, m=2**30)
    elif call == "exact_attention":
        w = nx.generate(L=16384, d=16, m=2**22)
        work = lambda: nx.exact_attention(w["Q"], w["K"], w["V"], w["KP"], w["VP"])
    else:
        work = lambda: nx.train_prefix(n=64, d=8, m=4096, steps=10**6)
    start = time.monotonic()
    timer = interrupt_after(0.5)
    with pytest.raises(KeyboardInterrupt):
        work()
    elapsed = time.monotonic() - start
    timer.cancel()
    assert elapsed < 30, f"{call} took {elapsed:.1f} s to stop"
    assert nx.compare(L=8, d=4, m=64)["status"] == "ok"  # and the module still works


# ---- the command line's interchange: --json, .npz in and out --------------------------------


def test_compare_reads_and_writes_npz(tmp_path):
    folder, a, _ = case("small")
    np.savez(tmp_path / "in.npz", **{x: a[x] for x in ARRAYS})
    np.savez_compressed(tmp_path / "in_compressed.npz", **{x: np.asfortranarray(a[x]).astype(np.float32) for x in ARRAYS})
    done = run("compare", "--inputs", folder, "--out", tmp_path / "folder")
    assert done.returncode == 0, done.stderr
    done = run("compare", "--inputs", tmp_path / "in.npz", "--out", tmp_path / "out.npz")
    assert done.returncode == 0, done.stderr
    with np.load(tmp_path / "out.npz") as out:
        for name in ["exact", "approx", "Z", "k", "row_error", "prefix_mass"]:
            np.testing.assert_array_equal(out[name], np.load(tmp_path / "folder" / f"{name}.npy"))
        metrics = json.loads(out["metrics.json"])
    assert metrics["status"] == "ok" and metrics["provenance"]["inputs"][0]["path"].endswith("in.npz")
    done = run("compare", "--inputs", tmp_path / "in_compressed.npz", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["max_abs_error"] > 0
    np.savez(tmp_path / "partial.npz", Q=a["Q"])
    done = run("compare", "--inputs", tmp_path / "partial.npz")
    assert done.returncode == 2 and "has no array K" in done.stderr
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04 not really a zip")
    done = run("compare", "--inputs", tmp_path / "bad.npz")
    assert done.returncode == 2 and "not a ZIP archive" in done.stderr


def test_compare_json_is_the_metrics_file(tmp_path):
    done = run("compare", "--json", "--L=16", "--d=4", "--m=100", "--out", tmp_path / "o")
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    written = json.loads((tmp_path / "o" / "metrics.json").read_text())
    assert printed == written
    assert "wrote" in done.stderr and "wrote" not in done.stdout


class DlpackOnly:
    """An array of another library: DLPack and nothing else (no __array__, no buffer)."""

    def __init__(self, array):
        self._array = array

    def __dlpack__(self, stream=None):
        return self._array.__dlpack__()

    def __dlpack_device__(self):
        return self._array.__dlpack_device__()


def test_arrays_of_other_libraries_come_through_dlpack():
    # Issue 26: any array with __array__ or DLPack; the results are those of the NumPy arrays.
    w = nx.generate(L=12, d=4, dv=5, m=200, seed=4)
    direct = nx.compare(*(w[x] for x in ARRAYS))
    given = nx.compare(*(DlpackOnly(np.asfortranarray(w[x])) for x in ARRAYS))
    np.testing.assert_array_equal(given["exact"], direct["exact"])
    np.testing.assert_array_equal(given["approx"], direct["approx"])
    with pytest.raises(TypeError, match="KP must be an array of numbers"):
        nx.compare(w["Q"], w["K"], w["V"], object(), w["VP"])


def test_heads_of_the_tiny_model_are_the_program_s():
    # Issue 26: the per-head view from Python, as `ntk-explorer heads --json` prints it.
    tiny = Path(os.environ["NTK_TEST_DATA_DIR"]) / "tiny_model"
    files = dict(activations=tiny / "activations.safetensors", checkpoint=tiny / "checkpoint")
    done = run("heads", "--activations", files["activations"], "--checkpoint", files["checkpoint"],
               "--degree", 1, "--tolerance", 0.05, "--json")
    assert done.returncode == 0, done.stderr
    program = json.loads(done.stdout)
    report = nx.heads(str(files["activations"]), checkpoint=str(files["checkpoint"]), degree=1, tolerance=0.05)
    assert len(report["heads"]) == 16 and report["status"] == "ok"
    for mine, theirs in zip(report["heads"], program["heads"]):
        assert mine == pytest.approx(theirs, rel=1e-12)
    assert report["replacement"] == program["replacement"]
    assert report["parameter_counts"]["prefix"] == 16384  # what the checkpoint stores
    with pytest.raises(ValueError, match="one of checkpoint"):
        nx.heads(str(files["activations"]))
    with pytest.raises(ValueError, match="set by the captured arrays"):
        nx.heads(str(files["activations"]), checkpoint=str(files["checkpoint"]), m=4)
    with pytest.raises(ValueError, match="adapter_config.json|no such|does not exist"):
        nx.heads(str(files["activations"]), checkpoint=str(tiny / "missing"))


def read_safetensors(path):
    # The format written out (8-byte header length, JSON header, data), independently of the program.
    raw = Path(path).read_bytes()
    size = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + size])
    dtypes = {"F32": "<f4", "F64": "<f8", "F16": "<f2"}
    return {name: np.frombuffer(raw[8 + size + t["data_offsets"][0]:8 + size + t["data_offsets"][1]],
                                dtype=dtypes[t["dtype"]]).reshape(t["shape"])
            for name, t in header.items() if name != "__metadata__"}


def test_heads_of_an_npz_capture_are_those_of_its_safetensors(tmp_path):
    # Issue 26 item 2b: a capture saved by NumPy (compressed, float32 as captured, one member in
    # big-endian order) gives the heads of the same tensors in .safetensors, bit for bit.
    tiny = Path(os.environ["NTK_TEST_DATA_DIR"]) / "tiny_model"
    arrays = read_safetensors(tiny / "activations.safetensors")
    arrays["layers.0.keys"] = arrays["layers.0.keys"].astype(">f4")
    np.savez_compressed(tmp_path / "activations.npz", **arrays)
    options = dict(checkpoint=str(tiny / "checkpoint"), degree=2, causal=True)
    assert (nx.heads(str(tmp_path / "activations.npz"), **options)
            == nx.heads(str(tiny / "activations.safetensors"), **options))
    np.savez(tmp_path / "fortran.npz", **{**arrays, "layers.1.values": np.asfortranarray(arrays["layers.1.values"])})
    with pytest.raises(ValueError, match=r"fortran.npz\[layers.1.values.npy\]: is in Fortran"):
        nx.heads(str(tmp_path / "fortran.npz"), **options)
    done = run("heads", "--activations", tmp_path / "activations.npz", "--checkpoint", tiny / "checkpoint",
               "--causal", "--csv")
    assert done.returncode == 0, done.stderr
    assert done.stdout == run("heads", "--activations", tiny / "activations.safetensors", "--checkpoint",
                              tiny / "checkpoint", "--causal", "--csv").stdout


def test_z_and_k_trained_per_key_value_head_are_the_program_s(tmp_path):
    # Issue 26: training on a real prefix's captured queries, from Python and the command line.
    tiny = Path(os.environ["NTK_TEST_DATA_DIR"]) / "tiny_model"
    capture, checkpoint = tiny / "activations.safetensors", tiny / "checkpoint"
    runs = nx.train_heads(str(capture), checkpoint=str(checkpoint), steps=50, degree=1, causal=True)
    assert len(runs) == 8
    assert all(r["train_queries"] == 48 and r["held_out_queries"] == 16 and len(r["loss"]) == 51 for r in runs)
    assert runs[0]["Z"].shape == (33, 32) and runs[0]["k"].shape == (33,)
    done = run("train", "--target", "ntk-attention", "--activations", capture, "--checkpoint", checkpoint,
               "--steps", 50, "--degree", 1, "--causal", "--out", tmp_path)
    assert done.returncode == 0, done.stderr
    rows = (tmp_path / "heads.csv").read_text().splitlines()[1:]
    for line, mine in zip(rows, runs):
        fields = line.split(",")
        assert float(fields[8]) == pytest.approx(mine["trained_error"], rel=1e-12)
        assert float(fields[9]) == pytest.approx(mine["closed_error"], rel=1e-12)
    with pytest.raises(ValueError, match="set by the captured arrays"):
        nx.train_heads(str(capture), checkpoint=str(checkpoint), L=8)
    refused = run("train", "--target", "ntk-attention", "--activations", capture, "--cache", capture,
                  "--checkpoint", checkpoint, "--out", tmp_path)
    assert refused.returncode == 2 and "one of --checkpoint" in refused.stderr
