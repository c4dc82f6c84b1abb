"""Checks azlint's JSON report over the ARM quickstart corpus: Azure accepts every file there,
so azlint must read every one (no input error, exit code 0 or 1, never a crash)."""
import collections
import json
import sys

report_path, status = sys.argv[1], int(sys.argv[2])
# Templates and parameter files Azure rejects too: azlint must report them (IN010), and no others.
known_defects = set()
for defects_path in sys.argv[3:]:
    with open(defects_path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and ":" in line:
                known_defects.add(line.split(":", 1)[0].strip())
if status not in (0, 1):
    sys.exit(f"azlint exited with {status} on the corpus (0 or 1 expected)")
with open(report_path, encoding="utf-8") as f:
    report = json.load(f)
summary = report["summary"]
codes = collections.Counter(f["code"] for f in report["findings"])
print(f"files {summary['files']}, resources {summary['resources']}, findings {dict(sorted(codes.items()))}")
if summary["files"] < 1900:
    sys.exit(f"only {summary['files']} files read; the corpus has 1971")
broken = [f for f in report["findings"] if f["code"] in ("IN001", "IN002")]
for f in broken[:20]:
    loc = f["location"]
    print(f"{loc['file']}:{loc.get('start', {}).get('line', '?')}: {f['message']}")
if broken:
    sys.exit(f"{len(broken)} corpus files were not read")
template_errors = [f for f in report["findings"] if f["code"] == "IN010"]
unexpected = [f for f in template_errors if f["location"]["file"].rsplit("/", 1)[-1] not in known_defects]
for f in unexpected[:20]:
    loc = f["location"]
    print(f"{loc['file']}:{loc.get('start', {}).get('line', '?')}: {f['message']}")
if unexpected:
    sys.exit(f"{len(unexpected)} template expression errors in templates Azure accepts")
flagged = {f["location"]["file"].rsplit("/", 1)[-1] for f in template_errors}
missed = sorted(known_defects - flagged)
if missed:
    sys.exit(f"known defective templates not reported: {missed}")
print("corpus: every file read, every template evaluated")
