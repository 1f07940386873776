/**
 * GPT-2, the decoder of the AdaMix paper's NLG experiments (E2E): {@link
 * org.adamix.model.decoder.Gpt2Config} (from a HF config.json), {@link
 * org.adamix.model.decoder.Gpt2Decoder} (forward pass in float32 or float64, greedy generation),
 * {@link org.adamix.model.decoder.Gpt2Block} (one pre-LayerNorm block), {@link
 * org.adamix.model.decoder.CausalSelfAttention} and {@link org.adamix.model.decoder.KvCache}.
 * Import: {@code checkpoint/Gpt2FolderReader} → {@code checkpoint/Gpt2Backbone}; names and layouts:
 * {@code names/Gpt2TensorNames}. Checked against experiments/gpt2_reference.py (GPT-2 in plain
 * PyTorch).
 *
 * <p>Decoding: greedy ({@link org.adamix.model.decoder.Gpt2Decoder#generate}) and beam search
 * ({@link org.adamix.model.decoder.BeamSearch} with {@link org.adamix.model.decoder.BeamOptions},
 * as HF's generate: length penalty, no-repeat n-grams, EOS), whose beams reorder the KV cache's
 * rows ({@link org.adamix.model.decoder.KvCache#reorder}).
 *
 * <p>So far inference only. Training follows the encoder's pattern: forward values already sit in
 * {@code Buffer} fields of the block; LoRA mixtures attach to the block's Q and V projections.
 */
package org.adamix.model.decoder;
