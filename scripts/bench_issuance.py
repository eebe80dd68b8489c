"""Benchmark (not a test): the cost of issuing a certificate, against pyHanko signing alone,
both measured in the same run.

    make bench            # or: .venv/bin/python scripts/bench_issuance.py [--rounds 5] [--count 30] [--quick]

Sets up a throw-away instance (fresh migrated SQLite ECERT_HOME, development PKI and TSA) and
calls the issuer's services in-process as ``ecert issue`` does, then alternates, in rounds:

- *subject*: ``--count`` rows of a decisions CSV, each with a 600×800 JPEG photo of its own
  (the renderer remembers photos it has normalised), through the whole pipeline: row validation (``parse_decisions``, ``check_rows``), number, render, QR,
  claim, B-LTA signature, blob store, registry and audit (``issue_decisions``);
- *baseline*: pyHanko's own ``PdfSigner.sign_pdf`` of a one-page PDF the pipeline rendered
  (unsigned) at B-LTA, ``--count`` times, with a tuned signer: key parsed once
  (``CachedKeySigner``), ``bytes_reserved``, one validation context reused, the same
  in-process development TSA, the DSS in the signed revision; an invisible certification
  signature, no seal.

The stages are timed by wrapping the issuer's renderer, signer and claim signer (and, inside
the render, fpdf2's ``FPDF.output``, the font subsets, the QR matrix and the photo) and the
photo's decode just before the reservation; the product code is not changed. Row validation
is the file's parse (with each photo's full decode) and the print/identity checks, per row.
"database/store" is what the per-certificate service costs besides the photo, render, claim
and sign (photo and PDF stored by hash, holder, decision, number, reservation, completion,
audit). Each stage is timed in wall-clock and in this process's CPU time (on a shared machine
the second is what a stage costs). Prints the per-stage medians, the ratio full/sign-only
(wall and CPU), certificates per second per
core (per CPU-second of the one issuing process) and wall-clock, and the size of a
certificate with photo (with a breakdown by pikepdf), and writes them to
``$ECERT_HOME/bench-issuance.json`` (default ``instance/bench-issuance.json``).
Target (issue #11): full pipeline <= 1.0x the sign-only time.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_RATIO = 1.0
NAMES = ["张𡒄", "李晓梅", "王建国", "陈静", "欧阳志远", "刘芳", "赵磊", "黄丽华"]


def clocks() -> tuple[float, float]:
    """Wall-clock and this process's CPU seconds. On a shared machine the CPU time of a stage
    is what it costs; its wall time adds the waits for a core that neighbours hold."""
    return time.perf_counter(), time.process_time()


class Timer:
    """Seconds spent in named stages, per certificate (reset by ``take``): wall time under the
    stage's name, CPU time under ``cpu:`` and the name."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}

    def add(self, stage: str, start: tuple[float, float]) -> None:
        wall, cpu = clocks()
        self.spent[stage] = self.spent.get(stage, 0.0) + wall - start[0]
        self.spent["cpu:" + stage] = self.spent.get("cpu:" + stage, 0.0) + cpu - start[1]

    def wrap(self, stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = clocks()
            try:
                return function(*args, **kwargs)
            finally:
                self.add(stage, start)

        return timed

    def take(self) -> dict[str, float]:
        spent, self.spent = self.spent, {}
        return spent


def make_photo(path: Path, seed: int) -> None:
    """A real-looking 600×800 portrait JPEG: a lit background, a head and shoulders, skin and
    cloth texture (noise, blurred), saved as a camera would (quality 90, 4:2:0)."""
    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(seed)
    width, height = 600, 800
    background = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    tint = Image.new("RGB", (width, height), (70 + rng.randrange(40), 120 + rng.randrange(40), 200))
    image = Image.blend(background, tint, 0.75)
    draw = ImageDraw.Draw(image)
    skin = (224 - rng.randrange(30), 180 - rng.randrange(30), 150 - rng.randrange(30))
    draw.ellipse((80, 560, 520, 1100), fill=(40, 45, 60))  # shoulders, a dark jacket
    draw.rectangle((255, 430, 345, 600), fill=skin)  # neck
    draw.ellipse((170, 150, 430, 500), fill=skin)  # face
    draw.chord((160, 110, 440, 380), 180, 360, fill=(25, 20, 20))  # hair
    for x in (235, 335):
        draw.ellipse((x - 18, 290, x + 18, 310), fill=(40, 30, 30))  # eyes
    draw.arc((250, 380, 350, 430), 20, 160, fill=(150, 70, 70), width=5)  # mouth
    noise = Image.effect_noise((width, height), 28).convert("RGB")
    image = Image.blend(image, noise, 0.12).filter(ImageFilter.GaussianBlur(1.2))
    image.save(path, "JPEG", quality=90, subsampling=2)


def write_csv(path: Path, photos: list[Path], start: int, count: int) -> None:
    from ecert.vocab.idnumber import id_check_character

    with (ROOT / "examples/decisions.csv").open(encoding="utf-8", newline="") as source:
        templates = list(csv.DictReader(source))
    header = list(templates[0])
    with path.open("w", encoding="utf-8", newline="") as target:
        writer = csv.DictWriter(target, fieldnames=header)
        writer.writeheader()
        for index in range(start, start + count):
            row = dict(templates[index % len(templates)])
            born = dt.date(1970, 1, 1) + dt.timedelta(days=index % 9000)
            male = row["gender"] == "男"  # the 17th digit: odd for a man
            first17 = f"500111{born:%Y%m%d}{(index % 500) * 2 + male:03d}"
            row["id_number"] = first17 + id_check_character(first17)
            row["name"] = NAMES[index % len(NAMES)] + ("" if index < len(NAMES) else NAMES[(index // 8) % 8][-1])
            row["photo"] = unique_photo(photos[index % len(photos)], index).name
            writer.writerow(row)


def unique_photo(photo: Path, index: int) -> Path:
    """A copy of photo that differs in its bytes, not its pixels (a JPEG comment naming the
    row): every holder has a photo of their own, so nothing may be recognised as seen."""
    data = photo.read_bytes()
    comment = f"row {index}".encode()
    copy = photo.with_name(f"photo-row-{index}.jpg")
    copy.write_bytes(data[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + data[2:])
    return copy


class Baseline:
    """pyHanko alone: ``PdfSigner.sign_pdf`` at B-LTA, tuned as NOTES.md says."""

    def __init__(self, settings: Any) -> None:
        from pyhanko.sign import signers
        from pyhanko.sign.fields import SigSeedSubFilter
        from pyhanko.sign.signers.pdf_signer import DSSContentSettings, SigDSSPlacementPreference
        from pyhanko_certvalidator import ValidationContext
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        from issuer.pki.development import DevelopmentPKI
        from issuer.signing.signers import CachedKeySigner
        from issuer.signing.timestamping import build_timestamper

        pki = DevelopmentPKI.load_or_create(settings.pki_dir, settings.office_name, settings.public_url)
        self.signer = CachedKeySigner(
            signing_cert=pki.signing_cert,
            signing_key=pki.signing_key_info,
            cert_registry=SimpleCertificateStore.from_certs(pki.chain),
            pyca_key=pki.signing_key,
        )
        self.timestamper = build_timestamper(tsa_url=None, pki=pki, production=False)
        self.context = ValidationContext(
            trust_roots=[pki.root_cert],
            other_certs=[*pki.chain, pki.tsa_cert],
            crls=pki.crls(),
            allow_fetching=False,
            revocation_mode="require",
        )
        self.meta = signers.PdfSignatureMetadata(
            field_name="Signature1",
            md_algorithm="sha256",
            certify=True,
            signer_key_usage=set(),  # the development certificate has digitalSignature only
            subfilter=SigSeedSubFilter.PADES,  # else pyHanko writes adbe.pkcs7.detached, no DSS/LTA
            embed_validation_info=True,
            use_pades_lta=True,
            validation_context=self.context,
            # The fastest B-LTA pyHanko offers: the DSS in the signed revision (a revision of
            # its own costs ~50 ms more here), no VRI.
            dss_settings=DSSContentSettings(
                include_vri=False, placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE
            ),
        )
        self.bytes_reserved: int | None = None

    def sign(self, pdf: bytes) -> bytes:
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko.sign import signers

        pdf_signer = signers.PdfSigner(self.meta, signer=self.signer, timestamper=self.timestamper)
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        data = pdf_signer.sign_pdf(writer, bytes_reserved=self.bytes_reserved).getvalue()
        if self.bytes_reserved is None:  # measured once, as a tuned signer does
            signature = PdfFileReader(io.BytesIO(data), strict=False).embedded_regular_signatures[0]
            self.bytes_reserved = len(signature.signed_data.dump()) * 2 + 1024
        return bytes(data)


def size_breakdown(pdf: bytes) -> dict[str, int]:
    """Bytes of the signed file by what they are (streams' stored length, signature hex)."""
    import pikepdf

    parts = dict.fromkeys(("fonts", "images", "signature_cms", "document_timestamps", "dss", "content"), 0)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        dss_streams: set[tuple[int, int]] = set()
        dss = document.Root.get("/DSS")
        if dss is not None:
            for key in ("/Certs", "/OCSPs", "/CRLs"):
                for stream in dss.get(key, []):
                    dss_streams.add(stream.objgen)
        for obj in document.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") in ("/Sig", "/DocTimeStamp"):
                key = "signature_cms" if obj.get("/Type") == "/Sig" else "document_timestamps"
                parts[key] += 2 * len(bytes(obj.Contents)) + 2
            if not isinstance(obj, pikepdf.Stream):
                continue
            length = len(obj.read_raw_bytes())
            if obj.objgen in dss_streams:
                parts["dss"] += length
            elif obj.get("/Subtype") == "/Image":
                parts["images"] += length
            elif "/Length1" in obj or obj.get("/Subtype") in ("/CIDFontType0C", "/OpenType", "/Type1C"):
                parts["fonts"] += length
            elif obj.get("/Subtype") == "/Form" or "/Type" not in obj:
                parts["content"] += length
    parts["other"] = len(pdf) - sum(parts.values())
    parts["total"] = len(pdf)
    return parts


@contextmanager
def patched(owner: Any, name: str, timer: Timer, stage: str) -> Iterator[None]:
    original = getattr(owner, name)
    setattr(owner, name, timer.wrap(stage, original))
    try:
        yield
    finally:
        setattr(owner, name, original)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--count", type=int, default=30, help="certificates (and baseline signatures) per round")
    parser.add_argument("--quick", action="store_true", help="a short run: 2 rounds of 3")
    parser.add_argument(
        "--out", type=Path, default=Path(os.environ.get("ECERT_HOME", ROOT / "instance")) / "bench-issuance.json"
    )
    options = parser.parse_args()
    if options.quick:
        options.rounds, options.count = 2, 3

    import fpdf

    from ecert.app import create_app
    from ecert.clock import office_date
    from ecert.migrate import upgrade
    from ecert.settings import Settings
    from issuer.decisions import parse_decisions
    from issuer.rendering import fonts, layout
    from issuer.runtime import runtime
    from issuer.services import issuance as issuance_module
    from issuer.services.checking import check_rows
    from issuer.services.issuance import issue_decisions

    with tempfile.TemporaryDirectory(prefix="ecert-bench-issuance-") as folder:
        home = Path(folder) / "home"
        print("preparing a throw-away instance …", flush=True)
        home.mkdir()
        settings = Settings.from_env({"ECERT_HOME": str(home)})
        upgrade(settings.database_url)
        app = create_app(settings)
        rows = Path(folder) / "rows"
        rows.mkdir()
        photos = [rows / f"photo-{seed}.jpg" for seed in range(4)]
        for seed, path in enumerate(photos):
            make_photo(path, seed)
        timer = Timer()
        with app.app_context():
            issuer_runtime = runtime(app)
            plain = issuer_runtime.issuance(actor="bench")
            renderer, signer, claims = plain.renderer, plain.signer, plain.claim_signer
            rendered: list[bytes] = []

            class TimedRenderer:
                def render(self, view: Any) -> bytes:
                    pdf = timer.wrap("render", renderer.render)(view)
                    rendered.append(pdf)
                    return bytes(pdf)

                def unprintable(self, text: str) -> list[str]:
                    return renderer.unprintable(text)

                def unfit(self, view: Any) -> list[str]:
                    return renderer.unfit(view)

            class TimedSigner:
                def sign(self, pdf: bytes, **kwargs: Any) -> bytes:
                    return bytes(timer.wrap("sign", signer.sign)(pdf, **kwargs))

            class TimedClaims:
                def sign(self, fields: Any) -> str:
                    return str(timer.wrap("claim", claims.sign)(fields))

            class TimedStore:
                def put(self, data: bytes) -> str:
                    return str(timer.wrap("store", plain.store.put)(data))

                def get(self, sha256: str) -> bytes:
                    return plain.store.get(sha256)

                def delete(self, sha256: str) -> bool:
                    return plain.store.delete(sha256)

            issuance = replace(
                plain, renderer=TimedRenderer(), signer=TimedSigner(), claim_signer=TimedClaims(), store=TimedStore()
            )
            baseline = Baseline(settings)

            def subject(start: int, count: int) -> tuple[float, float, list[dict[str, float]], list[bytes]]:
                path = rows / f"rows-{start}.csv"
                write_csv(path, photos, start, count)
                stages: list[dict[str, float]] = []
                began = clocks()
                timer.take()
                parsed = parse_decisions(path.read_bytes(), base_dir=rows, today=office_date(plain.clock()))
                timer.add("validation_parse", began)
                checking = clocks()
                decisions, errors = check_rows(issuance, parsed)
                if errors or len(decisions) != count:
                    raise SystemExit(f"the benchmark's own rows do not validate: {errors[:3]}")
                timer.add("validation_check", checking)
                # Validation runs over the whole file first: each certificate carries its share.
                validation = {key: value / count for key, value in timer.take().items()}
                for clock in ("", "cpu:"):
                    validation[clock + "validation"] = (
                        validation[clock + "validation_parse"] + validation[clock + "validation_check"]
                    )
                last = [clocks()]
                outcomes = []

                def done(outcome: Any) -> None:
                    now = clocks()
                    spent = timer.take()
                    spent["total"] = now[0] - last[0][0] + validation["validation"]
                    spent["cpu:total"] = now[1] - last[0][1] + validation["cpu:validation"]
                    spent.update(validation)
                    stages.append(spent)
                    outcomes.append(outcome)
                    last[0] = now

                issue_decisions(issuance, decisions, on_done=done)
                ended = clocks()
                wall, cpu = ended[0] - began[0], ended[1] - began[1]
                pdfs = [plain.store.get(outcome.sha256) for outcome in outcomes]
                return wall, cpu, stages, pdfs

            def sign_only(pdf: bytes, count: int) -> list[tuple[float, float]]:
                seconds = []
                for _ in range(count):
                    start = clocks()
                    baseline.sign(pdf)
                    end = clocks()
                    seconds.append((end[0] - start[0], end[1] - start[1]))
                return seconds

            print("warming up (fonts, keys, validation contexts) …", flush=True)
            _, _, _, warm_pdfs = subject(0, 3)
            unsigned = rendered[-1]
            sign_only(unsigned, 3)
            issued = 3

            stage_runs: list[dict[str, float]] = []
            baseline_runs: list[tuple[float, float]] = []
            rates: list[float] = []
            cpu_rates: list[float] = []
            last_pdf = warm_pdfs[0]
            with (
                patched(fpdf.FPDF, "output", timer, "fpdf_output"),
                patched(layout, "qr_modules", timer, "qr_matrix"),
                patched(fonts.FontSet, "register", timer, "fonts"),
                patched(layout, "normalize_photo", timer, "render_photo"),
                patched(issuance_module, "normalize_photo", timer, "photo"),
            ):
                for round_ in range(options.rounds):
                    # Alternate which goes first, so neither always meets the same neighbours' load.
                    first_baseline = round_ % 2 == 1
                    if first_baseline:
                        baseline_runs += (signed := sign_only(unsigned, options.count))
                    wall, cpu, stages, pdfs = subject(issued, options.count)
                    issued += options.count
                    if not first_baseline:
                        baseline_runs += (signed := sign_only(unsigned, options.count))
                    stage_runs += stages
                    rates.append(options.count / wall)
                    cpu_rates.append(options.count / cpu)
                    last_pdf = pdfs[-1]
                    print(
                        f"round {round_ + 1}: full pipeline median {median([s['total'] for s in stages]) * 1000:.0f} ms"
                        f" ({options.count / wall:.2f}/s), sign-only median {median([w for w, _ in signed]) * 1000:.0f} ms",
                        flush=True,
                    )
            breakdown = size_breakdown(last_pdf)
            baseline_breakdown = size_breakdown(baseline.sign(unsigned))

    def stage(name: str) -> float:
        return median([run.get(name, 0.0) for run in stage_runs])

    def breakdown_of(clock: str) -> dict[str, float]:
        others = [
            run[clock + "total"]
            - sum(run.get(clock + key, 0.0) for key in ("validation", "photo", "render", "claim", "sign"))
            for run in stage_runs
        ]
        return {
            "full": stage(clock + "total"),
            "validation": stage(clock + "validation"),
            "validation_parse": stage(clock + "validation_parse"),
            "validation_check": stage(clock + "validation_check"),
            "photo": stage(clock + "photo"),
            "render": stage(clock + "render"),
            "render_fonts": stage(clock + "fonts"),
            "render_fpdf_output": stage(clock + "fpdf_output"),
            "render_qr_matrix": stage(clock + "qr_matrix"),
            "render_photo": stage(clock + "render_photo"),
            "claim": stage(clock + "claim"),
            "sign": stage(clock + "sign"),
            "database_store": median(others),
            "blob_store": stage(clock + "store"),
            "baseline_sign_only": median([run[0 if clock == "" else 1] for run in baseline_runs]),
        }

    medians, cpu_medians = breakdown_of(""), breakdown_of("cpu:")
    full = medians["full"]
    figures: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_average": os.getloadavg(),
        "rounds": options.rounds,
        "count_per_round": options.count,
        "median_seconds": medians,
        "median_cpu_seconds": cpu_medians,
        "ratio_full_to_sign_only": full / medians["baseline_sign_only"],
        "ratio_full_to_sign_only_cpu": cpu_medians["full"] / cpu_medians["baseline_sign_only"],
        "certificates_per_second": median(rates),
        # One process issues on one core: certificates per CPU-second of it is per core.
        "certificates_per_second_per_core": median(cpu_rates),
        "sign_only_per_second_per_core": 1 / cpu_medians["baseline_sign_only"],
        "size_with_photo": breakdown,
        "size_baseline_sign_only": baseline_breakdown,
        "target_ratio": TARGET_RATIO,
    }
    figures["target_met"] = figures["ratio_full_to_sign_only"] <= TARGET_RATIO
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(figures, indent=2) + "\n")

    count = len(stage_runs)
    print()
    print(f"issuance, {count} certificates with photo vs {len(baseline_runs)} sign-only (same run, interleaved):")
    print(f"  {'median per certificate':<26} {'wall':>7}    {'CPU':>7}")
    for key, label in (
        ("validation", "row validation"),
        ("validation_parse", "  of which parse (photos)"),
        ("validation_check", "  of which print/identity"),
        ("photo", "photo before reservation"),
        ("render", "render"),
        ("render_fonts", "  of which font subsets"),
        ("render_fpdf_output", "  of which fpdf2 output()"),
        ("render_qr_matrix", "  of which QR matrix"),
        ("render_photo", "  of which photo"),
        ("claim", "QR claim"),
        ("sign", "sign (B-LTA)"),
        ("database_store", "database/store"),
        ("blob_store", "  of which blob store"),
        ("full", "full pipeline"),
        ("baseline_sign_only", "pyHanko sign-only"),
    ):
        print(f"  {label:<26} {medians[key] * 1000:7.1f} ms {cpu_medians[key] * 1000:7.1f} ms")
    print(
        f"  ratio full/sign-only x{figures['ratio_full_to_sign_only']:.2f}"
        f" (target <= {TARGET_RATIO:g}: {'met' if figures['target_met'] else 'NOT met'});"
        f" in CPU time x{figures['ratio_full_to_sign_only_cpu']:.2f}"
    )
    print(
        f"  {figures['certificates_per_second_per_core']:.2f} certificates/s per core"
        f" (per CPU-second of the issuing process; sign-only {figures['sign_only_per_second_per_core']:.1f}/s);"
        f" {figures['certificates_per_second']:.2f}/s wall-clock from one process"
    )
    parts = ", ".join(f"{key} {value / 1024:.1f}" for key, value in breakdown.items() if key != "total")
    print(f"  size with photo {breakdown['total'] / 1024:.1f} KB ({parts} KB)")
    print(f"  load average {figures['load_average']}; figures in {options.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
