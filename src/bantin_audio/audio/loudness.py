"""Loudness: EBU R128 measurement and two-pass normalization for broadcast and web renditions.

Pass 1 measures the programme with ffmpeg's `ebur128` meter (integrated loudness, gating
threshold, loudness range, true peak by 4x oversampling); it can run on a file or be fed the
programme's PCM while it is being stitched. Pass 2 applies what `loudnorm` does in its linear
mode, a single gain, when the true peak stays under the ceiling after that gain; otherwise the
gain is followed by a peak limiter running at 192 kHz (4x oversampling, as loudnorm does), and
the sample rate is set again after it. `loudnorm` itself is not in the path: it resamples to
192 kHz in both passes (measured here ~80x realtime against ~740x for ebur128, more than the
whole MP3 encode of a long programme), and its dynamic mode landed 1.2-2 LU under -16 LUFS on
speech. Every rendition can be verified by measuring the written file, and re-encoded aiming
off by the error when it missed.
"""

from __future__ import annotations

import logging
import math
import re
import subprocess
import threading
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, NamedTuple

from ..errors import AudioError, InputError
from .ffmpeg import find_ffmpeg
from .stitch import ENCODERS, write_atomically

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoudnessTarget:
    """A loudness standard: integrated loudness, true-peak ceiling, loudness range."""

    name: str
    integrated: float  # LUFS
    true_peak: float  # dBTP
    lra: float  # LU, the range the standard expects (reported, not enforced)


TARGETS: dict[str, LoudnessTarget] = {
    # EBU R128: -23 LUFS +/- 1 LU, true peak at most -1 dBTP.
    "broadcast": LoudnessTarget("broadcast", -23.0, -1.0, 11.0),
    # Podcasts and web players: -16 LUFS, same ceiling.
    "web": LoudnessTarget("web", -16.0, -1.0, 11.0),
}

SILENCE_LUFS = -69.5  # ebur128 reports -70 LUFS (its absolute gate) for silence
LIMITER_RATE = 192000  # the true-peak limiter runs at 4x 48 kHz, like loudnorm's

# Lossy encoding overshoots the true peak of its input a little (about 0.5 dB for MP3 at
# 128 kbps on speech); keep that much headroom below the ceiling for lossy renditions.
LOSSY_HEADROOM_DB = {"mp3": 1.0, "webm": 1.0, "wav": 0.1}


class Loudness(NamedTuple):
    """Integrated loudness (LUFS) and true peak (dBTP) of a file."""

    integrated: float
    true_peak: float


@dataclass(frozen=True)
class LoudnessMeasurement:
    """Pass 1: what ebur128 measured."""

    integrated: float  # LUFS
    threshold: float  # LUFS, relative gate of the integrated measurement
    lra: float  # LU
    true_peak: float  # dBTP


@dataclass(frozen=True)
class LoudnessReport:
    """What pass 2 did to one rendition and the loudness it reached."""

    target: str
    input_integrated: float
    input_true_peak: float
    gain_db: float
    mode: str  # "linear" (one gain) or "limited" (gain, then the oversampled peak limiter)
    output_integrated: float  # measured when verified (see render_renditions), else predicted
    output_true_peak: float
    verified: bool
    # True when output_true_peak is a bound (sample peak plus INTER_SAMPLE_MARGIN_DB) rather
    # than a 4x-oversampled measurement: done only when the peaks sit far under the ceiling.
    true_peak_bound: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return asdict(self)


def get_target(target: str) -> LoudnessTarget:
    """Return the loudness target named `target` (broadcast or web)."""
    try:
        return TARGETS[target]
    except KeyError:
        raise InputError(f"Chuẩn độ lớn không hợp lệ: {target!r}",
                         "chọn broadcast (EBU R128, -23 LUFS) hoặc web (-16 LUFS)") from None


# -- pass 1: measuring ------------------------------------------------------------------------

_SUMMARY_FIELDS = {
    "integrated": re.compile(r"^\s*I:\s*(-?[\d.]+|-?inf|nan)\s*LUFS", re.M),
    "threshold": re.compile(r"^\s*Threshold:\s*(-?[\d.]+|-?inf|nan)\s*LUFS", re.M),
    "lra": re.compile(r"^\s*LRA:\s*(-?[\d.]+|-?inf|nan)\s*LU", re.M),
    "true_peak": re.compile(r"^\s*Peak:\s*(-?[\d.]+|-?inf|nan)\s*dBFS", re.M),
}

METER_FILTER = "ebur128=peak=true:framelog=quiet"
# The meter fed while a programme streams checks sample peaks only: true-peak oversampling made
# it three times slower than the rest of pass 1. Speech at our rates rarely overshoots between
# samples by more than half a dB; the margin keeps the gain plan on the safe side, and the
# finished file is measured again with true peaks (verify) and corrected if needed.
STREAM_METER_FILTER = "ebur128=peak=sample:framelog=quiet"
INTER_SAMPLE_MARGIN_DB = 1.0


def parse_ebur128_summary(stderr: str) -> LoudnessMeasurement:
    """Return the measurement in the summary ebur128 logs when its input ends."""
    start = stderr.rfind("Summary:")
    if start < 0:
        raise AudioError("ffmpeg không trả về kết quả đo độ lớn (ebur128)")
    summary = stderr[start:]
    values: dict[str, float] = {}
    for name, pattern in _SUMMARY_FIELDS.items():
        match = pattern.search(summary)
        if match is None:
            raise AudioError(f"Không đọc được kết quả đo độ lớn ({name})")
        values[name] = float(match.group(1))
    return LoudnessMeasurement(**values)


def _run_with_log(args: list[str], *, timeout: float = 3600) -> str:
    """Run ffmpeg at info level and return its log (the meters print their results there)."""
    cmd = [find_ffmpeg(), "-hide_banner", "-nostdin", "-nostats", "-loglevel", "info", *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise AudioError(f"Không chạy được ffmpeg: {exc}") from exc
    log_text = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        tail = log_text.strip().splitlines()[-3:]
        raise AudioError("ffmpeg báo lỗi: " + " | ".join(tail))
    return log_text


def _chain(*filters: str | None) -> str:
    return ",".join(f for f in filters if f)


def analyze_loudness(path: Path, *, filters: str | None = None) -> LoudnessMeasurement:
    """Measure `path` (after optional ffmpeg `filters`) with ebur128: pass 1."""
    stderr = _run_with_log(["-i", str(path), "-af", _chain(filters, METER_FILTER),
                            "-f", "null", "-"])
    return parse_ebur128_summary(stderr)


def measure_loudness(path: Path) -> Loudness:
    """Return the integrated loudness (LUFS) and true peak (dBTP) of the audio file at `path`."""
    m = analyze_loudness(Path(path))
    return Loudness(m.integrated, m.true_peak)


class LoudnessMeter:
    """Measure raw mono s16 PCM fed in pieces, in a parallel ffmpeg process (pass 1)."""

    def __init__(self, sample_rate: int, *, filters: str | None = None) -> None:
        cmd = [find_ffmpeg(), "-hide_banner", "-nostdin", "-nostats", "-loglevel", "info",
               "-f", "s16le", "-ar", str(sample_rate), "-ac", "1", "-i", "pipe:0",
               "-af", _chain(filters, STREAM_METER_FILTER), "-f", "null", "-"]
        try:
            self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.PIPE)
        except OSError as exc:
            raise AudioError(f"Không chạy được ffmpeg: {exc}") from exc
        self._log: list[bytes] = []
        # Drain the log in a thread so a chatty ffmpeg can never block on a full pipe.
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        assert self._proc.stderr is not None
        for chunk in iter(lambda: self._proc.stderr.read(65536), b""):  # type: ignore[union-attr]
            self._log.append(chunk)

    def feed(self, pcm: bytes) -> None:
        """Send the next piece of the programme to the meter."""
        try:
            self._proc.stdin.write(pcm)  # type: ignore[union-attr]
        except (BrokenPipeError, ValueError) as exc:
            raise AudioError("Bộ đo độ lớn (ffmpeg) dừng bất ngờ") from exc

    def finish(self, timeout: float = 600) -> LoudnessMeasurement:
        """Close the input and return the measurement of everything fed."""
        try:
            self._proc.stdin.close()  # type: ignore[union-attr]
        except BrokenPipeError:
            pass
        try:
            code = self._proc.wait(timeout)
        except subprocess.TimeoutExpired as exc:
            self.abort()
            raise AudioError("Bộ đo độ lớn (ffmpeg) không kết thúc") from exc
        self._reader.join()
        self._proc.stderr.close()  # type: ignore[union-attr]
        text = b"".join(self._log).decode("utf-8", "replace")
        if code != 0:
            raise AudioError("ffmpeg báo lỗi khi đo độ lớn: "
                             + " | ".join(text.strip().splitlines()[-3:]))
        measured = parse_ebur128_summary(text)
        # Sample peak plus a margin stands in for the true peak (see STREAM_METER_FILTER).
        return replace(measured,
                       true_peak=measured.true_peak + INTER_SAMPLE_MARGIN_DB)

    def abort(self) -> None:
        """Stop the meter without a result."""
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        try:
            if self._proc.stdin is not None:
                self._proc.stdin.close()
        except OSError:  # flushing what was buffered for a dead process
            pass
        # The drain thread reads stderr until EOF, which the dead process gives it; closing the
        # pipe under it instead would make its next read fail ("read of closed file").
        self._reader.join()
        if self._proc.stderr is not None:
            self._proc.stderr.close()


# -- pass 2: normalizing ----------------------------------------------------------------------

@dataclass(frozen=True)
class GainPlan:
    """The filter that brings a measured programme to a target, and what it should reach."""

    filter: str
    gain_db: float
    mode: str
    predicted_integrated: float
    predicted_true_peak: float


def plan_gain(measured: LoudnessMeasurement, target: LoudnessTarget,
              *, headroom_db: float = 0.0, bias_lu: float = 0.0) -> GainPlan:
    """Return the pass-2 filter for `measured`: one gain, plus a peak limiter if peaks need it.

    `bias_lu` is how far a previous attempt landed from the target; the aim moves against it.
    """
    if not math.isfinite(measured.integrated) or measured.integrated <= SILENCE_LUFS:
        raise AudioError("Âm thanh gần như im lặng, không chuẩn hóa độ lớn được",
                         "kiểm tra lại các đoạn âm thanh và tệp nhạc chuyển tin")
    aim = target.integrated - bias_lu
    gain = aim - measured.integrated
    ceiling = target.true_peak - headroom_db
    peak_after = measured.true_peak + gain
    if peak_after <= ceiling:
        return GainPlan(f"volume={gain:.2f}dB", gain, "linear", target.integrated, peak_after)
    # The peaks would pass the ceiling: apply the gain, then limit the peaks at 4x the
    # programme's rate so inter-sample (true) peaks are caught too. loudnorm's own limiter
    # (dynamic mode, given the pass-1 values) was tried first: on speech pushed to -16 LUFS it
    # lowered the whole programme and landed 1.2-2 LU short even with corrected aims.
    limiter = (f"volume={gain:.2f}dB,aresample={LIMITER_RATE},"
               f"alimiter=limit={ceiling - 0.3:.2f}dB:level=false:attack=1:release=50")
    return GainPlan(limiter, gain, "limited", target.integrated, ceiling)


def encoder_args(fmt: str, *, sample_rate: int, channels: int, bitrate_kbps: int) -> list[str]:
    """Return ffmpeg's output options for a rendition (sample rate set after any filter)."""
    if fmt not in ENCODERS:
        raise AudioError(f"Định dạng âm thanh không hỗ trợ: {fmt}")
    args = ["-ac", str(channels), "-ar", str(sample_rate)]
    return args + [a.format(kbps=bitrate_kbps) for a in ENCODERS[fmt]]


def encode_normalized(src: Path, tmp: Path, plan: GainPlan, *, fmt: str, sample_rate: int,
                      channels: int, bitrate_kbps: int, filters: str | None = None) -> None:
    """Write `src` through `filters` and the gain plan into `tmp` (in place: a temp path)."""
    args = ["-y", "-i", str(src), "-af", _chain(filters, plan.filter),
            *encoder_args(fmt, sample_rate=sample_rate, channels=channels,
                          bitrate_kbps=bitrate_kbps), str(tmp)]
    _run_with_log(args)


# libmp3lame lowers integrated loudness by 0.5 LU here (tones of 100 Hz-1 kHz and speech,
# at 24, 44.1 and 48 kHz alike), so MP3 renditions aim that much higher from the start.
CODEC_LOSS_LU = {"mp3": 0.5}
# Limiting speech pushed to -16 LUFS costs it 1-2 LU more;
# when a verified rendition is off by more than this, it is encoded again aiming off by the
# error, at most this many times.
CORRECTION_LU = 0.3
MAX_CORRECTIONS = 2


def render_to_target(src: Path, tmp: Path, measured: LoudnessMeasurement, target: str, *,
                     fmt: str, sample_rate: int, channels: int, bitrate_kbps: int,
                     filters: str | None = None, verify: bool = True) -> LoudnessReport:
    """Encode `src` into `tmp` (in place) at the loudness `target`: pass 2, with a check."""
    spec = get_target(target)
    headroom = LOSSY_HEADROOM_DB.get(fmt, 1.0)
    bias = -CODEC_LOSS_LU.get(fmt, 0.0)
    plan = plan_gain(measured, spec, headroom_db=headroom, bias_lu=bias)
    options: dict[str, Any] = {"fmt": fmt, "sample_rate": sample_rate, "channels": channels,
                               "bitrate_kbps": bitrate_kbps, "filters": filters}
    encode_normalized(src, tmp, plan, **options)
    out = measure_loudness(tmp) if verify else None
    for _ in range(MAX_CORRECTIONS):
        if out is None or abs(out.integrated - spec.integrated) <= CORRECTION_LU:
            break
        bias += out.integrated - spec.integrated
        log.info("loudness %s: %s came out at %.1f LUFS; aiming %.1f LU off", target, fmt,
                 out.integrated, -bias)
        plan = plan_gain(measured, spec, headroom_db=headroom, bias_lu=bias)
        encode_normalized(src, tmp, plan, **options)
        out = measure_loudness(tmp)
    log.info("loudness %s: measured %.1f LUFS / %.1f dBTP, %s gain %.2f dB -> %s",
             target, measured.integrated, measured.true_peak, plan.mode, plan.gain_db, fmt)
    return LoudnessReport(
        target=target, input_integrated=measured.integrated,
        input_true_peak=measured.true_peak, gain_db=round(plan.gain_db, 2), mode=plan.mode,
        output_integrated=out.integrated if out else plan.predicted_integrated,
        output_true_peak=out.true_peak if out else round(plan.predicted_true_peak, 2),
        verified=out is not None,
    )


@dataclass(frozen=True)
class Rendition:
    """One audio file encoded from the programme, at its own loudness target."""

    path: Path  # written in place: callers pass a temp path
    fmt: str  # mp3 | webm | wav
    sample_rate: int
    target: str  # broadcast | web
    channels: int = 1
    bitrate_kbps: int = 0


# Two identical channels measure 3 dB louder than the one they copy (BS.1770 sums channel power).
STEREO_GAIN_LU = 3.01


def render_renditions(src: Path, measured: LoudnessMeasurement, renditions: dict[str, Rendition],
                      *, filters: str | None = None,
                      verify: bool = True) -> dict[str, LoudnessReport]:
    """Encode every rendition of `src` at its target in one ffmpeg process: pass 2, checked.

    The programme is decoded once; each rendition gets its own filter graph (gain or limiter,
    its sample rate and channels) and encoder, which ffmpeg runs in parallel threads. With
    `verify`, the exact audio fed to each encoder is measured in the same process (ebur128 with
    true peaks): no file is decoded again. A rendition that missed its target by more than
    CORRECTION_LU (the limiter takes loudness away) is encoded again aiming off by the error.
    """
    bias = {kind: -CODEC_LOSS_LU.get(r.fmt, 0.0) - (STEREO_GAIN_LU if r.channels == 2 else 0.0)
            for kind, r in renditions.items()}
    reports: dict[str, LoudnessReport] = {}
    pending = dict(renditions)
    needs_true_peak: set[str] = set()
    for attempt in range(MAX_CORRECTIONS + 1):
        plans = {kind: plan_gain(measured, get_target(r.target),
                                 headroom_db=LOSSY_HEADROOM_DB.get(r.fmt, 1.0), bias_lu=bias[kind])
                 for kind, r in pending.items()}
        oversample = {kind: kind in needs_true_peak or not _far_under_ceiling(plan, r)
                      for kind, (plan, r) in _zip(plans, pending).items()}
        results = _encode_all(src, pending, plans, filters=filters,
                              verify=oversample if verify else None)
        missed: dict[str, Rendition] = {}
        for kind, r in pending.items():
            spec, plan, got = get_target(r.target), plans[kind], results.get(kind)
            if got is None:
                reports[kind] = _report(r.target, measured, plan, plan.predicted_integrated,
                                        round(plan.predicted_true_peak, 2), verified=False)
                continue
            # What the file holds: what the encoder was fed, less the encoder's known loss.
            out = got.integrated - CODEC_LOSS_LU.get(r.fmt, 0.0)
            bound = not oversample[kind]
            peak = round(got.true_peak + INTER_SAMPLE_MARGIN_DB, 2) if bound else got.true_peak
            reports[kind] = _report(r.target, measured, plan, round(out, 1), peak,
                                    verified=True, bound=bound)
            if attempt == MAX_CORRECTIONS:
                continue
            if abs(out - spec.integrated) > CORRECTION_LU:
                bias[kind] += out - spec.integrated
                log.info("loudness %s: %s came out at %.1f LUFS; aiming %.1f LU off", r.target,
                         kind, out, -bias[kind])
                missed[kind] = r
            elif bound and peak > spec.true_peak:  # the bound says nothing: measure for real
                needs_true_peak.add(kind)
                missed[kind] = r
        if not missed:
            break
        pending = missed
    for kind, report in reports.items():
        log.info("loudness %s: measured %.1f LUFS / %.1f dBTP, %s gain %.2f dB -> %s: %.1f LUFS "
                 "/ %.1f dBTP", report.target, measured.integrated, measured.true_peak,
                 report.mode, report.gain_db, kind, report.output_integrated,
                 report.output_true_peak)
    return reports


# True peaks are measured with 4x oversampling (a third of pass 2's time on a long programme)
# unless the peaks sit at least this far under the ceiling, judged from pass 1's sample peak
# plus its margin: then the sample peak of the rendition plus INTER_SAMPLE_MARGIN_DB is a safe
# bound, and it is what the report gives (true_peak_bound). Broadcast speech at -23 LUFS
# peaks 6-10 dB under the ceiling; anything through the limiter is always measured.
TRUE_PEAK_CHECK_DB = 3.0


def _far_under_ceiling(plan: GainPlan, rendition: Rendition) -> bool:
    ceiling = get_target(rendition.target).true_peak - LOSSY_HEADROOM_DB.get(rendition.fmt, 1.0)
    return plan.mode == "linear" and plan.predicted_true_peak <= ceiling - TRUE_PEAK_CHECK_DB


def _zip(plans: dict[str, GainPlan], renditions: dict[str, Rendition]
         ) -> dict[str, tuple[GainPlan, Rendition]]:
    return {kind: (plans[kind], r) for kind, r in renditions.items()}


def _report(target: str, measured: LoudnessMeasurement, plan: GainPlan, integrated: float,
            true_peak: float, *, verified: bool, bound: bool = False) -> LoudnessReport:
    return LoudnessReport(
        target=target, input_integrated=measured.integrated, input_true_peak=measured.true_peak,
        gain_db=round(plan.gain_db, 2), mode=plan.mode, output_integrated=integrated,
        output_true_peak=true_peak, verified=verified, true_peak_bound=bound)


def _encode_all(src: Path, renditions: dict[str, Rendition], plans: dict[str, GainPlan], *,
                filters: str | None,
                verify: dict[str, bool] | None) -> dict[str, LoudnessMeasurement]:
    """Run one ffmpeg encoding every rendition; return what each encoder was fed, measured.

    `verify` maps each rendition to whether its true peak is measured (else its sample peak);
    None measures nothing.
    """
    # One filter graph for all: ffmpeg runs a graph in one thread, so the meters' summaries are
    # logged one after the other (graphs in threads of their own interleave their lines). The
    # encoders still run in threads of their own.
    count = len(renditions)
    graph = [f"[0:a]{_chain(filters, 'anull')},asplit={count}"
             + "".join(f"[s{n}]" for n in range(count))]
    outputs: list[str] = []
    names: dict[str, str] = {}
    for n, (kind, r) in enumerate(renditions.items()):
        layout = ",aformat=channel_layouts=stereo" if r.channels == 2 else ""
        chain = f"[s{n}]{plans[kind].filter},aresample={r.sample_rate}{layout}"
        if verify is not None:
            names[kind] = f"m{n}"
            meter = METER_FILTER if verify[kind] else STREAM_METER_FILTER
            graph.append(f"{chain},asplit=2[out{n}][in{n}]")
            graph.append(f"[in{n}]ebur128@m{n}={meter.split('=', 1)[1]},anullsink")
        else:
            graph.append(f"{chain}[out{n}]")
        outputs += ["-map", f"[out{n}]",
                    *encoder_args(r.fmt, sample_rate=r.sample_rate, channels=r.channels,
                                  bitrate_kbps=r.bitrate_kbps), str(r.path)]
    args = ["-y", "-i", str(src), "-filter_complex", ";".join(graph)]
    log_text = _run_with_log(args + outputs)
    return {kind: _summary_of(log_text, name) for kind, name in names.items()}


def _summary_of(log_text: str, name: str) -> LoudnessMeasurement:
    """Return the summary logged by the ebur128 instance called `name`."""
    start = log_text.find(f"[ebur128@{name} @")
    if start < 0:
        raise AudioError("ffmpeg không trả về kết quả đo độ lớn (ebur128)")
    end = log_text.find("\n[", start + 1)
    return parse_ebur128_summary(log_text[start:end if end >= 0 else len(log_text)])


def normalize_loudness(src: Path, dst: Path, *, target: str = "broadcast", fmt: str = "mp3",
                       sample_rate: int = 44100, channels: int = 1, bitrate_kbps: int = 128,
                       filters: str | None = None,
                       measured: LoudnessMeasurement | None = None,
                       verify: bool = True) -> LoudnessReport:
    """Write `src` to `dst` atomically at the loudness `target` in two passes; return a report."""
    get_target(target)
    src, dst = Path(src), Path(dst)
    if measured is None:
        measured = analyze_loudness(src, filters=filters)
    reports: list[LoudnessReport] = []
    write_atomically(dst, lambda tmp: reports.append(render_to_target(
        src, tmp, measured, target, fmt=fmt, sample_rate=sample_rate, channels=channels,
        bitrate_kbps=bitrate_kbps, filters=filters, verify=verify)))
    return reports[0]
