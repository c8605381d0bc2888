"""Notice import of any size: a generated DECP file of SIZE MB and a 100-lot eForms notice, streamed, against
the whole-file parser (json.loads / ElementTree.parse of the whole document) in the same run.

Each measurement runs in a child process of its own, so that its peak RSS is its own (ru_maxrss of the
child, Linux, in kB). The streamed DECP import writes to a fresh SQLite database (batches, matching off);
the baseline only parses (it does not even write), which flatters it.

    python benchmarks/import.py [--size-mb 100] [--lots 100]

Prints one JSON line. Target: < 150 MB peak RSS at any size for the streamed import.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "fixtures" / "procurement" / "decp-v1-e-marchespublics-2019-04-03.json"
EFORMS = ROOT / "tests" / "fixtures" / "procurement" / "eforms" / "cn_24_minimal.xml"
NOW = datetime(2019, 4, 5, 7, 0, tzinfo=UTC)


def make_decp(path: Path, size_mb: int) -> int:
    """A DECP 1.x file of about size_mb MB: the real sample's records, cycled with new ids."""
    records = json.loads(SAMPLE.read_bytes())["marches"]
    target, written, count = size_mb * 1024 * 1024, 0, 0
    with path.open("w", encoding="utf-8") as out:
        out.write('{"marches": [\n')
        while written < target:
            record = dict(records[count % len(records)], id=f"GEN{count}", uid=f"GENUID{count}")
            line = ("," if count else "") + json.dumps(record, ensure_ascii=False) + "\n"
            out.write(line)
            written += len(line.encode())
            count += 1
        out.write("]}\n")
    return count


def make_eforms(path: Path, lots: int) -> None:
    """The minimal contract notice with its one lot repeated `lots` times (new ids, each its own deadline)."""
    text = EFORMS.read_text(encoding="utf-8")
    start, end = text.index("<cac:ProcurementProjectLot>"), text.index("</cac:ProcurementProjectLot>") + len(
        "</cac:ProcurementProjectLot>")
    lot = text[start:end]
    copies = "\n".join(lot.replace("LOT-0000", f"LOT-{i:04d}") for i in range(lots))
    path.write_text(text[:start] + copies + text[end:], encoding="utf-8")


def child(kind: str, path: str) -> None:
    """Run one measurement in this (child) process and print its figures."""
    started = time.perf_counter()
    if kind == "decp-stream":
        from bot.db import create_engine, create_sessionmaker, upgrade_database
        from services.procurement.feeds import import_source

        async def run() -> int:
            with tempfile.TemporaryDirectory() as folder:
                engine = create_engine(f"sqlite+aiosqlite:///{folder}/bench.db")
                await upgrade_database(engine)
                summary = await import_source(create_sessionmaker(engine), path, NOW, notify=False, step_aside=0)
                await engine.dispose()
                return summary.imported

        records = asyncio.run(run())
    elif kind == "decp-stream-parse":  # the streaming reader alone, to compare with the baseline like for like
        from services.procurement.formats import envelope_records, parse_record
        from services.procurement.streaming import JsonRecords

        with open(path, "rb") as stream:
            records = sum(1 for fmt, item in envelope_records(JsonRecords(stream))
                          if parse_record(fmt, 0, item, [])[1] is not None)
    elif kind == "decp-whole":
        from services.procurement.formats import decp_notice

        document = json.loads(Path(path).read_bytes())
        records = sum(1 for i, item in enumerate(document["marches"]) if decp_notice(i, item, [])[1] is not None)
    elif kind == "eforms-stream":
        from services.procurement.eforms import parse_eforms

        with open(path, "rb") as stream:
            records = len((parse_eforms(stream).details or {})["lots"])
    else:  # eforms-whole
        from xml.etree.ElementTree import parse

        tree = parse(path)
        records = sum(1 for _ in tree.getroot().iter("{urn:oasis:names:specification:ubl:schema:xsd:"
                                                      "CommonAggregateComponents-2}ProcurementProjectLot"))
    seconds = time.perf_counter() - started
    print(json.dumps({"records": records, "seconds": round(seconds, 2),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))


def measure(kind: str, path: Path) -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, "--child", kind, str(path)], capture_output=True, text=True,
                          check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["records_per_s"] = round(figures["records"] / max(figures["seconds"], 1e-9))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=100)
    parser.add_argument("--lots", type=int, default=100)
    parser.add_argument("--child", nargs=2)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory() as folder:
        decp, eforms = Path(folder) / "decp.json", Path(folder) / "eforms.xml"
        generated = make_decp(decp, args.size_mb)
        make_eforms(eforms, args.lots)
        result = {
            "benchmark": "notice_import", "decp_mb": round(decp.stat().st_size / 1024**2, 1),
            "decp_records": generated, "eforms_lots": args.lots,
            "decp_streamed_into_sqlite": measure("decp-stream", decp),
            "decp_streamed_parse_only": measure("decp-stream-parse", decp),
            "decp_whole_file_baseline": measure("decp-whole", decp),
            "eforms_streamed": measure("eforms-stream", eforms),
            "eforms_whole_file_baseline": measure("eforms-whole", eforms),
        }
    result["target_peak_rss_mb"] = 150
    result["met"] = (result["decp_streamed_into_sqlite"]["peak_rss_mb"] < 150
                     and result["decp_streamed_parse_only"]["peak_rss_mb"] < 150
                     and result["eforms_streamed"]["peak_rss_mb"] < 150)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
