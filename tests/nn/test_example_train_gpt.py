"""examples/train_gpt.py runs end to end in a quick mode and learns."""
import importlib.util
import math
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_train_gpt_example_quick_run(capsys):
    spec = importlib.util.spec_from_file_location(
        "train_gpt", os.path.join(ROOT, "examples", "train_gpt.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    val_loss = module.main(["--steps", "20", "--samples", "1", "--sample-length", "40",
                            "--n-embd", "32", "--block-size", "16"])
    out = capsys.readouterr().out
    assert "--- sample 1 ---" in out and "step   19" in out
    assert math.isfinite(val_loss) and val_loss < math.log(60)   # better than uniform
    sample = out.split("--- sample 1 ---\n")[1].split("\n\ntotal")[0]
    assert 0 < len(sample) <= 41
