"""Make the ONNX models from the packaged all-MiniLM-L6-v2 weights (once, at install).

Needs torch and transformers, which only this step uses. Mean pooling and L2 normalisation
are put inside the graph, attention and layer norms are fused by onnxruntime's transformer
optimizer, and the fused graph is kept twice: as it is (fp32) and with its weights quantised
to int8 per channel. Which runs is chosen on each machine at first use
(``embeddings.choose_variant``): int8 wins on CPUs with fast int8 dot products (VNNI), fp32
may win on the others, and the fp32 file run by OpenVINO (bfloat16 on AMX) where it is
installed. The run-time code is a tokenizer and one session call.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from paperwire.search.embeddings import FILES, onnx_path, source_dir


def export(force: bool = False) -> list[Path]:
    """Make the variants' ONNX files that are missing (all of them with ``force``); an
    existing file is kept, so the vectors an index holds stay those of the file it has."""
    targets = {variant: onnx_path(variant) for variant in FILES}
    wanted = {v: p for v, p in targets.items() if force or not p.exists()}
    if not wanted:
        return list(targets.values())
    os.environ["HF_HUB_OFFLINE"] = "1"  # everything comes from the installed package
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model
    from transformers import AutoModel

    class Pooled(torch.nn.Module):
        def __init__(self, encoder: torch.nn.Module) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor,
        ) -> torch.Tensor:
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    # Eager attention exports as plain ops that onnxruntime's optimizer can fuse into its
    # Attention kernel; the default (SDPA) export cannot be fused.
    encoder = AutoModel.from_pretrained(str(source_dir()), attn_implementation="eager")
    model = Pooled(encoder.eval()).eval()
    sample = torch.ones(2, 16, dtype=torch.long)
    folder = next(iter(targets.values())).parent
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as work:
        fp32 = Path(work) / "model.fp32.onnx"
        axes = {0: "batch", 1: "tokens"}
        with torch.no_grad():
            torch.onnx.export(
                model,
                (sample, sample, torch.zeros_like(sample)),
                str(fp32),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["sentence_embedding"],
                dynamic_axes={
                    "input_ids": axes,
                    "attention_mask": axes,
                    "token_type_ids": axes,
                    "sentence_embedding": {0: "batch"},
                },
                opset_version=17,
                dynamo=False,
            )
        # Fusing attention and layer norms is what makes int8 pay: unfused int8 ran 1.2x the
        # speed of PyTorch, fused 2x (docs/search.md).
        fused = Path(work) / "model.fused.onnx"
        config = encoder.config
        optimized = optimize_model(
            str(fp32),
            model_type="bert",
            num_heads=config.num_attention_heads,
            hidden_size=config.hidden_size,
            opt_level=1,
        )
        fused_attention = optimized.get_fused_operator_statistics().get("Attention", 0)
        if fused_attention != config.num_hidden_layers:
            raise RuntimeError(
                f"attention was not fused ({fused_attention} of {config.num_hidden_layers})"
            )
        optimized.save_model_to_file(str(fused))
        # Per channel: plain per-tensor int8 measurably loses retrieval quality (0.658 -> 0.639
        # nDCG@10 on SciFact train).
        partial = Path(work) / "model.int8.onnx"
        quantize_dynamic(
            str(fused),
            str(partial),
            per_channel=True,
            weight_type=QuantType.QInt8,
            extra_options={"DefaultTensorType": 1},  # FLOAT: needed once the graph is fused
        )
        made = {"fp32": fused, "int8": partial}
        for variant, path in wanted.items():
            made[variant].replace(path)
    return list(targets.values())
