"""The StarGAN example on a few batches: every test digit translated to the four attribute domains, scored, pictured."""
import json
import math

import numpy as np
from PIL import Image
from test_examples import load

DOMAINS = ["thin_upright", "thin_slanted", "thick_upright", "thick_slanted"]


def test_a_quick_run_translates_to_every_domain_and_scores_what_doing_nothing_would(tmp_path, capsys):
    final = load("stargan_digits").main(["--quick", "--quiet", "--width", "4", "--blocks", "1", "--out", str(tmp_path)])
    assert final == json.loads((tmp_path / "metrics.json").read_text())
    # each digit is in exactly one of the four domains: untranslated, it meets 1 target in 4, each attribute in 2 of 4
    assert final["attribute_success_identity"] == 0.25
    assert final["attribute_success_thickness_identity"] == final["attribute_success_slant_identity"] == 0.5
    assert final["attribute_success_changed_thickness_identity"] == 0.0
    assert 0 <= final["attribute_success"] <= 1 and 0 <= final["label_preservation"] <= 1
    assert final["label_preservation_identity"] >= 0.9  # the feature network on real test digits
    assert all(math.isfinite(final[f"fid_{domain}_{kind}"]) for domain in DOMAINS for kind in ("translated", "floor"))
    assert {"d_loss", "g_loss", "wasserstein", "gradient_penalty", "reconstruction"} <= set(final)
    with np.load(tmp_path / "samples.npz") as saved:
        assert sorted(saved) == sorted(DOMAINS)
        images = saved["thick_slanted"]
    assert images.shape == (100, 1, 28, 28) and 0 <= images.min() and images.max() <= 1
    width, height = Image.open(tmp_path / "translations.png").size
    assert height == 2 + 5 * 30 and width > 2 + 10 * 30  # the inputs and four domains, ten digits, row labels
    assert "attribute success" in capsys.readouterr().out
