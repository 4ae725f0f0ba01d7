"""What a maximum-likelihood run ends with: a table of each model's size and held-out NLL, a row of samples each."""
from ..ops import cat
from .images import save_image_grid


def result_table(final, names):
    """The final metrics of ``fit_by_maximum_likelihood`` as a table: a line per model, with a header."""
    lines = [f"{'model':>16s} {'parameters':>12s} {'test NLL (nats)':>16s} {'bits/dim':>9s}"]
    for name in names:
        lines.append(f"{name:>16s} {int(final[f'parameters_{name}']):12,d} "
                     f"{final[f'test_nll_{name}']:16.2f} {final[f'test_bits_per_dim_{name}']:9.3f}")  # fmt: skip
    return "\n".join(lines)


def save_sample_rows(run, samples):
    """samples.png: one row of images per model, from {name: images (n, C, H, W)}, labelled with the model's name."""
    rows = list(samples.values())
    save_image_grid(cat(rows), run.path("samples.png"), nrow=rows[0].shape[0], row_labels=list(samples))
