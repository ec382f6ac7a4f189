"""Runs the seed's PyTorch programs (tools/seed_programs) with real PyTorch and stores what they print.

The tests run the C# samples of the same names and compare their output with these files. A program listed in
ARGUMENTS runs with the arguments its C# sample gets in the test (a short run).
Run with the Debian PyTorch: /usr/bin/python3 tools/gen_sample_outputs.py
"""
import pathlib
import subprocess
import sys

here = pathlib.Path(__file__).resolve().parent
out_dir = here.parent / "Autograd.Tests" / "Golden" / "samples"
out_dir.mkdir(parents=True, exist_ok=True)
ARGUMENTS = {"tiny_gpt": ["--steps", "20", "--eval-interval", "10"]}
for program in sorted((here / "seed_programs").glob("*.py")):
    if program.name == "common.py":
        continue
    printed = subprocess.run([sys.executable, program.name, *ARGUMENTS.get(program.stem, [])], cwd=program.parent, check=True,
                             capture_output=True, text=True).stdout
    (out_dir / (program.stem + ".txt")).write_text(printed)
    print(f"{program.stem}: {len(printed.splitlines())} lines")
