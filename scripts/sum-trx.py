"""Sums MSTest .trx result files into the closing line 'N passed, M failed, K skipped'.

Inconclusive tests (the suite's "skipped: <reason>") count as skipped; anything else not passed counts as failed.
Also prints the summary lines tests write for the record (lines of their output starting with "fuzz ").
Exits 1 when a test failed or no test ran."""
import sys
import xml.etree.ElementTree as ET

passed = failed = skipped = 0
for path in sys.argv[1:]:
    ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
    for result in ET.parse(path).getroot().iterfind(".//t:UnitTestResult", ns):
        outcome = result.get("outcome")
        for out in result.iterfind(".//t:StdOut", ns):
            for line in (out.text or "").splitlines():
                if line.startswith("fuzz "):
                    print(line)
        if outcome == "Passed":
            passed += 1
        elif outcome in ("Inconclusive", "NotExecuted"):
            skipped += 1
            print(f"skipped: {result.get('testName')}")
        else:
            failed += 1
            print(f"FAILED: {result.get('testName')} ({outcome})")
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or passed == 0 else 0)
