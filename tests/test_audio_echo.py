"""The bleed canceller (audio/echo.py, aec.py, suppress.py, delay.py, drift.py, ring.py,
reference.py): remote speech that reaches the microphone 20-150 ms late and about 3 dB
quieter is removed, the user's own voice survives (also while both talk), the delay is
estimated and followed as clocks drift, and the mic path never waits long for reference
audio. The pure cores are also tested alone."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from loopnote.audio.aec import PartitionedFilter
from loopnote.audio.delay import DelayTracker
from loopnote.audio.drift import HALF, DriftEstimator, fractional
from loopnote.audio.echo import RATE, BleedCanceller, EchoOptions
from loopnote.audio.reference import ReferenceFeeder
from loopnote.audio.ring import Ring
from loopnote.audio.suppress import ResidualSuppressor
from loopnote.types import AudioChunk, FloatArray

FIXTURES = Path(__file__).parent / "fixtures"
REMOTE = FIXTURES / "speech_confbridge_mute.flac"  # the remote voice (female)
NEAR = FIXTURES / "audio" / "moonshine__two_cities_10s.flac"  # the user (male)
CHUNK = 480


def _speech(path: Path) -> FloatArray:
    x, rate = sf.read(str(path), dtype="float32")
    assert rate == RATE
    return np.asarray(x, np.float32)


def _babble(seconds: float, seed: int) -> FloatArray:
    """Speech-like test signal: bursts of band-limited noise (200-4000 Hz) of random length,
    spectral tilt and level, with pauses between them."""
    rng = np.random.default_rng(seed)
    out = np.zeros(round(seconds * RATE), np.float32)
    i = 0
    while i < out.shape[0]:
        n = int(rng.uniform(0.2, 0.8) * RATE)
        spec = np.fft.rfft(rng.standard_normal(n))
        f = np.fft.rfftfreq(n, 1 / RATE)
        spec *= ((f > 200) & (f < 4000)) * (f / 1000 + 0.1) ** rng.uniform(-1.5, 0.0)
        burst = np.fft.irfft(spec, n)
        burst *= rng.uniform(0.05, 0.2) / (np.sqrt(np.mean(burst**2)) + 1e-12)
        out[i : i + n] = burst[: out.shape[0] - i]
        i += n + int(rng.uniform(0.05, 0.4) * RATE)
    return out


def _echo(
    far: FloatArray, delay: float, gain_db: float = -3.0, drift_ppm: float = 0.0
) -> FloatArray:
    t = np.arange(far.shape[0]) / RATE
    src = (t - delay - drift_ppm * 1e-6 * t) * RATE
    return (
        np.interp(src, np.arange(far.shape[0]), far, left=0, right=0) * 10 ** (gain_db / 20)
    ).astype(np.float32)


def _noise(n: int, level: float, seed: int = 7) -> FloatArray:
    return (np.random.default_rng(seed).standard_normal(n) * level).astype(np.float32)


def _run(
    far: FloatArray, mic: FloatArray, options: EchoOptions | None = None
) -> tuple[FloatArray, BleedCanceller]:
    """Reference pushed a little ahead of the mic (as the live feeder does); output aligned
    back to the input's timeline by the canceller's latency."""
    c = BleedCanceller(options)
    ahead = 4 * CHUNK
    c.push_reference(far[:ahead], 0.0)
    out = []
    for i in range(0, mic.shape[0], CHUNK):
        j = i + ahead
        if j < far.shape[0]:
            c.push_reference(far[j : j + CHUNK], j / RATE)
        out.append(c.process(mic[i : i + CHUNK], i / RATE))
    lat = round(c.latency * RATE)
    y = np.concatenate([*out, c.drain()])[lat : lat + mic.shape[0]]
    assert y.shape == mic.shape
    return y, c


def _db(x: FloatArray) -> float:
    return float(10 * np.log10(np.mean(np.square(x, dtype=np.float64)) + 1e-20))


def test_ring_reads_what_was_written_with_holes_as_silence() -> None:
    r = Ring(100)
    r.write(10, np.arange(30, dtype=np.float32))
    r.write(50, np.ones(20, np.float32))  # a hole 40..50
    got = r.read(0, 80)
    assert np.all(got[:10] == 0) and np.all(got[10:40] == np.arange(30))
    assert np.all(got[40:50] == 0) and np.all(got[50:70] == 1) and np.all(got[70:] == 0)
    r.write(70, np.full(90, 2, np.float32))  # wraps; 0..59 are gone
    got = r.read(55, 160)
    assert np.all(got[:5] == 0) and np.all(got[5:15] == 1) and np.all(got[15:] == 2)


def test_without_reference_the_mic_passes_unchanged_after_the_latency() -> None:
    x = _babble(3.0, 1)
    c = BleedCanceller()
    out = np.concatenate(
        [c.process(x[i : i + 333], i / RATE) for i in range(0, x.size, 333)] + [c.drain()]
    )
    lat = round(c.latency * RATE)
    assert out.shape[0] == x.shape[0] + lat
    np.testing.assert_allclose(out[lat : lat + x.size], x, atol=1e-5)
    assert not c.status().detected


@pytest.mark.parametrize("delay", [0.020, 0.060, 0.150, -0.020])
def test_delay_is_estimated_and_the_bleed_removed(delay: float) -> None:
    far = _babble(12.0, 2)
    echo = _echo(far, delay)
    noise = _noise(far.size, 10 ** (-45 / 20))  # the mic's own noise, 23 dB under the echo
    out, c = _run(far, echo + noise)
    st = c.status()
    assert st.detected and st.delay_ms is not None
    assert abs(st.delay_ms - delay * 1000) < 2.0, st
    half = slice(far.size // 2, far.size)
    # the output is the noise (kept: removing it is not the canceller's job), the echo is gone
    assert _db(out[half]) < _db(noise[half]) + 1.0, (_db(out[half]), _db(noise[half]))
    g = float(np.dot(out[half], noise[half]) / np.dot(noise[half], noise[half]))
    left = out[half] - g * noise[half]
    assert _db(echo[half]) - _db(left) > 25.0, (_db(echo[half]), _db(left))
    assert st.suppression_db > 15.0


def test_remote_speech_is_removed_and_the_users_voice_survives_double_talk() -> None:
    remote = _speech(REMOTE)  # 11.1 s
    near = _speech(NEAR)  # 10 s
    n = remote.size + near.size
    far = np.concatenate([remote, np.zeros(near.size, np.float32)])
    far[remote.size :] = remote[: near.size]  # the remote side keeps talking
    echo = _echo(far, 0.090)
    user = np.zeros(n, np.float32)
    user[remote.size :] = near / np.sqrt(np.mean(near**2)) * np.sqrt(np.mean(echo**2))
    mic = echo + user + _noise(n, 10 ** (-50 / 20))
    out, c = _run(far, mic)
    assert c.status().detected
    # bleed alone (after the first 4 s of learning): at least 25 dB down
    a, b = 4 * RATE, remote.size
    assert _db(echo[a:b]) - _db(out[a:b]) > 25.0
    # double talk: the output is mostly the user's voice
    dt = slice(remote.size, n)
    g = float(np.dot(out[dt], user[dt]) / np.dot(user[dt], user[dt]))
    residual = out[dt] - g * user[dt]
    assert g > 0.5, g  # the voice keeps most of its level
    assert _db(g * user[dt]) - _db(residual) > 3.0  # and dominates what is left
    assert _db(echo[dt]) - _db(out[dt] - user[dt] * g) > 5.0


def test_drifting_clocks_are_followed() -> None:
    far = _babble(40.0, 3)
    mic = _echo(far, 0.050, drift_ppm=400.0) + _noise(far.size, 1e-3)
    out, c = _run(far, mic)
    st = c.status()
    assert st.delay_ms is not None
    assert abs(st.delay_ms - (50.0 + 0.4 * 40.0)) < 4.0, st  # 50 ms + 16 ms of drift
    last = slice(far.size - 8 * RATE, far.size)
    echo = _echo(far, 0.050, drift_ppm=400.0)
    assert _db(echo[last]) - _db(out[last]) > 20.0


def test_headphones_no_bleed_is_not_detected_and_the_voice_is_untouched() -> None:
    far = _babble(10.0, 4)
    user = _babble(10.0, 5)  # unrelated to the reference
    out, c = _run(far, user)
    assert not c.status().detected
    np.testing.assert_allclose(out, user, atol=1e-5)


def test_delay_tracker_finds_the_lag_regardless_of_level() -> None:
    far = _babble(3.0, 6)
    t = DelayTracker(sample_rate=RATE)
    for gain_db in (-3.0, -30.0):
        mic = _echo(far, 0.120, gain_db)[RATE : 2 * RATE] + _noise(RATE, 1e-4)
        ref = far[RATE - t.delay_samples : 2 * RATE + t.lead_samples]
        t.reset()
        est = t.update(mic, ref)
        assert est is not None and est.found and abs(est.delay - 0.120) < 1e-3
    assert t.update(mic, np.zeros_like(ref)) is None  # silent reference: no opinion


def test_mic_path_never_waits_long_for_missing_reference() -> None:
    far = _babble(6.0, 8)
    mic = _echo(far, 0.030)
    c = BleedCanceller(EchoOptions(max_wait=0.1))
    c.push_reference(far[: 4 * RATE], 0.0)
    for i in range(0, 4 * RATE, CHUNK):
        c.process(mic[i : i + CHUNK], i / RATE)
    assert c.status().detected
    # the reference stops arriving: each call returns after at most ~max_wait
    worst = 0.0
    for i in range(4 * RATE, 5 * RATE, 4 * CHUNK):
        t0 = time.monotonic()
        out = c.process(mic[i : i + 4 * CHUNK], i / RATE)
        worst = max(worst, time.monotonic() - t0)
        assert out.size == 4 * CHUNK
    assert worst < 0.3, worst
    assert c.status().late_reference > 0
    c.end_reference()  # no more reference: no waiting at all
    t0 = time.monotonic()
    c.process(mic[5 * RATE : 5 * RATE + 4 * CHUNK], 5.0)
    assert time.monotonic() - t0 < 0.05


def test_threads_feeding_both_sides_do_not_deadlock_and_cancel() -> None:
    far = _babble(8.0, 9)
    echo = _echo(far, 0.070)
    c = BleedCanceller()
    feeder = ReferenceFeeder(c)
    feeder.start()
    stereo = np.repeat(far[:, None], 2, axis=1)

    def system() -> None:  # 48 kHz stereo chunks would be converted; 16 kHz keeps it exact
        for i in range(0, far.size, 800):
            feeder.put(AudioChunk("system", stereo[i : i + 800], RATE, i / RATE))
            time.sleep(0.001)
        feeder.finish()

    th = threading.Thread(target=system)
    th.start()
    outs = []
    for i in range(0, far.size, CHUNK):  # both sides paced, as live capture paces them
        outs.append(c.process(echo[i : i + CHUNK], i / RATE))
        time.sleep(0.001)
    th.join(timeout=30)
    feeder.join(timeout=30)
    out = np.concatenate(outs)
    assert out.size == far.size and not th.is_alive()
    lat = round(c.latency * RATE)
    last = slice(far.size - 3 * RATE, far.size - lat)
    assert c.status().detected
    assert _db(echo[last]) - _db(out[last.start + lat : last.stop + lat]) > 20.0


def test_partitioned_filter_learns_a_room_and_does_not_diverge_in_double_talk() -> None:
    n, taps = 256, 6
    rng = np.random.default_rng(11)
    h = rng.standard_normal(900) * np.exp(-np.arange(900) / 150.0) * 0.3  # a room, 56 ms
    far = _babble(16.0, 12).astype(np.float64)
    echo = np.convolve(far, h)[: far.size]
    user = np.zeros_like(far)
    user[9 * RATE : 12 * RATE] = _babble(3.0, 13)[: 3 * RATE] * 2.0  # louder than the echo
    mic = echo + user + rng.standard_normal(far.size) * 1e-4
    f = PartitionedFilter(n, taps)
    padded = np.concatenate([np.zeros(taps * n), far])
    err = np.zeros_like(far)
    for b in range(0, far.size - n + 1, n):
        p = b + taps * n  # index of block b in ``padded``
        x = np.stack([np.fft.rfft(padded[p - (j + 1) * n : p + n - j * n]) for j in range(taps)])
        err[b : b + n] = f.block(mic[b : b + n], x).error
    learned = slice(5 * RATE, 9 * RATE)
    assert _db(echo[learned]) - _db(err[learned]) > 30.0
    during = slice(9 * RATE, 12 * RATE)  # the user's voice passes, the echo stays removed
    assert _db(echo[during]) - _db(err[during] - user[during]) > 20.0
    after = slice(12 * RATE, 16 * RATE)
    assert _db(echo[after]) - _db(err[after]) > 30.0


def test_suppressor_floors_the_residual_echo_and_passes_the_voice() -> None:
    rng = np.random.default_rng(14)
    s = ResidualSuppressor(257, floor=10 ** (-35 / 20), overdrive=2.0)
    echo = rng.standard_normal(257) + 1j * rng.standard_normal(257)
    gains = []
    for _ in range(20):  # the error is what the leakage predicts: residual echo alone
        noise = rng.standard_normal(257) + 1j * rng.standard_normal(257)
        gains.append(s.gain(np.sqrt(0.01) * noise, echo, leak=0.01))
    assert float(np.median(gains[-1])) < 0.1
    for _ in range(5):  # the user talks: 20 dB over the residual
        voice = rng.standard_normal(257) + 1j * rng.standard_normal(257)
        g = s.gain(voice + 0.1 * echo, echo, leak=0.01)
    assert float(np.median(g)) > 0.9


def test_drift_slope_is_found_despite_wrong_estimates() -> None:
    rng = np.random.default_rng(15)
    d = DriftEstimator()
    ts = np.arange(0.0, 12.0, 0.25)
    assert d.add(0.0, 0.05) == 0.0  # one estimate says nothing
    for t in ts:
        delay = 0.05 + 1e-4 * t + rng.normal(0, 2e-5)
        if rng.random() < 0.2:
            delay = rng.uniform(0.0, 0.5)  # a spurious correlation peak
        d.add(float(t), delay)
    assert abs(d.rate - 1e-4) < 5e-6, d.rate
    d.reset()
    assert d.rate == 0.0


def test_fractional_read_is_exact_for_speech_band_signals() -> None:
    t = np.arange(600, dtype=np.float64)
    freqs = (0.013, 0.07, 0.21, 0.33)  # cycles per sample: 200 Hz .. 5.3 kHz at 16 kHz
    x = sum(np.sin(2 * np.pi * f * t + k) for k, f in enumerate(freqs))
    out = fractional(x, 0.3, 600 - 2 * HALF)
    want = sum(
        np.sin(2 * np.pi * f * (t[HALF : 600 - HALF] + 0.3) + k) for k, f in enumerate(freqs)
    )
    assert _db(out - want) - _db(want) < -40.0


def test_a_new_echo_path_is_found_and_learned_again() -> None:
    far = _babble(24.0, 16)
    half = far.size // 2
    echo = np.concatenate([_echo(far, 0.040)[:half], _echo(far, 0.200)[half:]])
    out, c = _run(far, echo + _noise(far.size, 1e-4))
    st = c.status()
    assert st.delay_ms is not None and abs(st.delay_ms - 200.0) < 2.0, st
    last = slice(far.size - 5 * RATE, far.size)
    assert _db(echo[last]) - _db(out[last]) > 20.0
